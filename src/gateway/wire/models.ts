/**
 * `GET /v1/models` in OpenAI's list format. `created` is 0: the gateway does not know when a provider
 * released a model, and a made-up date would be worse than an obvious placeholder.
 */

export interface OpenAIModelList {
  object: 'list';
  data: Array<{ id: string; object: 'model'; created: number; owned_by: string }>;
}

/** @example toOpenAIModelList([{ id: 'gpt-4o-mini', ownedBy: 'openai' }]) */
export function toOpenAIModelList(ids: ReadonlyArray<{ id: string; ownedBy: string }>): OpenAIModelList {
  return { object: 'list', data: ids.map(({ id, ownedBy }) => ({ id, object: 'model', created: 0, owned_by: ownedBy })) };
}
