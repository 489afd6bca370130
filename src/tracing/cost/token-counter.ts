/**
 * A chat message as far as counting goes. The provider port's `ChatMessage` fits it; tracing declares
 * the shape itself so that it does not depend on providers.
 */
export type CountableMessage =
  | { role: 'system' | 'tool'; content: string }
  | { role: 'user'; content: ReadonlyArray<{ type: string; text?: string }>; name?: string }
  | { role: 'assistant'; content: string | null; toolCalls?: ReadonlyArray<{ name: string; arguments: string }>; name?: string };

/** The parts of a chat request that are counted. */
export interface CountablePrompt {
  messages: readonly CountableMessage[];
  /** Tool definitions, counted as their JSON. */
  tools?: readonly unknown[];
}

/** Counts tokens when a provider reports no usage (streams cut short, servers that send no usage part). */
export interface TokenCounter {
  /** Tokens of the prompt: message texts, tool calls and tool definitions, plus chat formatting overhead. */
  countPrompt(prompt: CountablePrompt): Promise<number>;
  /** Tokens of a completion text. */
  countText(text: string): Promise<number>;
}

/** Counts the tokens of one string. */
export type CountTokens = (text: string) => number;

export interface TokenCounterOptions {
  /** Loads the encoder; defaults to gpt-tokenizer's o200k_base (the GPT-4o / GPT-5 / o-series encoding). */
  load?: () => Promise<CountTokens>;
  /** Told once when the encoder cannot be loaded and counts fall back to characters / 4. */
  onLoadError?: (error: unknown) => void;
}

// OpenAI's published chat formatting overhead: about 3 tokens per message, 1 more for a name, and
// 3 that prime the reply. Other vendors differ a little; these counts are estimates either way.
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_NAME = 1;
const REPLY_PRIMING_TOKENS = 3;
// A low-detail image costs 85 tokens at OpenAI; higher details cost more and depend on the image size,
// which is not known here.
const TOKENS_PER_IMAGE = 85;

/**
 * @example
 * const counter = createTokenCounter();
 * await counter.countText('Hello world'); // 2
 */
export function createTokenCounter(options: TokenCounterOptions = {}): TokenCounter {
  const load = options.load ?? loadO200k;
  let count: CountTokens | undefined;
  let loading: Promise<CountTokens> | undefined;

  const encoder = (): CountTokens | Promise<CountTokens> => {
    if (count) return count;
    loading ??= load().then(
      (loaded) => (count = loaded),
      (error: unknown) => {
        options.onLoadError?.(error);
        return (count = estimateByCharacters);
      },
    );
    return loading;
  };

  return {
    async countText(text) {
      if (text.length === 0) return 0;
      return (await encoder())(text);
    },
    async countPrompt(prompt) {
      const countTokens = await encoder();
      let total = REPLY_PRIMING_TOKENS;
      for (const message of prompt.messages) total += TOKENS_PER_MESSAGE + countMessage(message, countTokens);
      if (prompt.tools && prompt.tools.length > 0) total += countTokens(JSON.stringify(prompt.tools));
      return total;
    },
  };
}

function countMessage(message: CountableMessage, countTokens: CountTokens): number {
  switch (message.role) {
    case 'system':
      return countTokens(message.content);
    case 'tool':
      return countTokens(message.content);
    case 'user': {
      let total = message.name ? TOKENS_PER_NAME + countTokens(message.name) : 0;
      for (const part of message.content) total += part.type === 'text' ? countTokens(part.text ?? '') : TOKENS_PER_IMAGE;
      return total;
    }
    case 'assistant': {
      let total = message.name ? TOKENS_PER_NAME + countTokens(message.name) : 0;
      if (message.content) total += countTokens(message.content);
      for (const call of message.toolCalls ?? []) total += countTokens(call.name) + countTokens(call.arguments);
      return total;
    }
  }
}

/** The rough rule of thumb used when no encoder is available: one token per four characters. */
export function estimateByCharacters(text: string): number {
  return Math.ceil(text.length / 4);
}

const TREAT_SPECIAL_TOKENS_AS_TEXT = { disallowedSpecial: new Set<string>() };

async function loadO200k(): Promise<CountTokens> {
  // The encoding module alone (not the package root, which loads every encoding): about 150 ms once.
  const { countTokens } = await import('gpt-tokenizer/encoding/o200k_base');
  return (text) => countTokens(text, TREAT_SPECIAL_TOKENS_AS_TEXT);
}
