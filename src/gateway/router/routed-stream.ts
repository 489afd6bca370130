import type { ChatStreamPart } from '../../providers/chat-model.ts';
import { clientClosedError, toRouteError } from './route-errors.ts';
import type { RouteTarget } from './route-plan.ts';

/** A stream the router opened: its iterator, the first part already read from it, and its target. */
export interface OpenedStream {
  iterator: AsyncIterator<ChatStreamPart>;
  first: ChatStreamPart;
  target: RouteTarget;
}

/**
 * The answering target's stream: the part already read while routing, then the rest. Errors after the
 * first part are no longer retried (the client has seen output); they surface from `next`.
 */
export class RoutedStream implements AsyncIterableIterator<ChatStreamPart> {
  #first: ChatStreamPart | undefined;
  readonly #source: AsyncIterator<ChatStreamPart>;
  readonly #target: RouteTarget;
  readonly #signal: AbortSignal;
  #unlink: (() => void) | undefined;

  constructor(opened: OpenedStream, signal: AbortSignal, unlink: () => void) {
    this.#first = opened.first;
    this.#source = opened.iterator;
    this.#target = opened.target;
    this.#signal = signal;
    this.#unlink = unlink;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<ChatStreamPart>> {
    const first = this.#first;
    if (first) {
      this.#first = undefined;
      return { done: false, value: first };
    }
    if (!this.#unlink) return { done: true, value: undefined };
    let step: IteratorResult<ChatStreamPart>;
    try {
      step = await this.#source.next();
    } catch (error) {
      this.#end();
      throw this.#signal.aborted ? clientClosedError(error) : toRouteError(error, this.#target);
    }
    if (step.done) this.#end();
    return step;
  }

  async return(): Promise<IteratorResult<ChatStreamPart>> {
    this.#first = undefined;
    if (this.#unlink) {
      this.#end();
      await this.#source.return?.();
    }
    return { done: true, value: undefined };
  }

  #end(): void {
    this.#unlink?.();
    this.#unlink = undefined;
  }
}
