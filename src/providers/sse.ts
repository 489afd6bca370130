/**
 * An incremental parser for server-sent events (the WHATWG `text/event-stream` format), as both OpenAI
 * and Anthropic stream. Chunks may be split anywhere, even inside a multi-byte character or between the
 * `\r` and `\n` of a line break.
 *
 * @example
 * for await (const event of parseSse(response.body)) {
 *   if (event.data === '[DONE]') break;
 *   handle(event.event, JSON.parse(event.data));
 * }
 */
export interface SseEvent {
  /** The `event:` field, when the server named the event. */
  event?: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
  id?: string;
}

export interface SseParser {
  /** Feeds a chunk and returns the events it completed. */
  push(chunk: Buffer | string): SseEvent[];
  /** Ends the input and returns an event left without its closing blank line, if any. */
  end(): SseEvent[];
}

export function createSseParser(): SseParser {
  const decoder = new TextDecoder('utf-8');
  let buffer = '';
  let afterCarriageReturn = false;
  let data: string[] = [];
  let eventName: string | undefined;
  let id: string | undefined;

  function dispatch(out: SseEvent[]): void {
    if (data.length > 0) {
      const event: SseEvent = { data: data.join('\n') };
      if (eventName !== undefined) event.event = eventName;
      if (id !== undefined) event.id = id;
      out.push(event);
    }
    data = [];
    eventName = undefined;
  }

  function processLine(line: string, out: SseEvent[]): void {
    if (line === '') return dispatch(out);
    if (line.charCodeAt(0) === 58 /* : */) return; // a comment
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32 /* space */) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') eventName = value;
    else if (field === 'id') id = value;
    // `retry` and unknown fields are ignored.
  }

  function consume(text: string, out: SseEvent[]): void {
    if (text === '') return;
    let start = 0;
    if (afterCarriageReturn && text.charCodeAt(0) === 10 /* \n */) start = 1; // the \n of a \r\n split across chunks
    afterCarriageReturn = false;
    const input = buffer + text.slice(start);
    let lineStart = 0;
    for (let index = 0; index < input.length; index += 1) {
      const code = input.charCodeAt(index);
      if (code !== 10 && code !== 13) continue;
      processLine(input.slice(lineStart, index), out);
      if (code === 13) {
        if (index + 1 < input.length) {
          if (input.charCodeAt(index + 1) === 10) index += 1;
        } else {
          afterCarriageReturn = true;
        }
      }
      lineStart = index + 1;
    }
    buffer = input.slice(lineStart);
  }

  return {
    push(chunk) {
      const out: SseEvent[] = [];
      consume(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }), out);
      return out;
    },
    end() {
      const out: SseEvent[] = [];
      consume(decoder.decode(), out);
      if (buffer !== '') processLine(buffer, out);
      buffer = '';
      dispatch(out);
      return out;
    },
  };
}

/** Parses a byte stream into events, one at a time. */
export async function* parseSse(body: AsyncIterable<Buffer | string>): AsyncGenerator<SseEvent> {
  const parser = createSseParser();
  for await (const chunk of body) yield* parser.push(chunk);
  yield* parser.end();
}
