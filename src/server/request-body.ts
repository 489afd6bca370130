import type { IncomingMessage } from 'node:http';
import { OperonError, invalidRequest } from '../core/errors.ts';

/** Reads a request body as bytes, refusing it with a 413 as soon as it passes `maxBytes`. */
export function readRawBody(incoming: IncomingMessage, maxBytes: number, limitName = 'server.maxBodyBytes'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(incoming.headers['content-length']);
    if (declared > maxBytes) {
      incoming.resume();
      return reject(tooLarge(maxBytes, limitName));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    incoming.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > maxBytes) {
        failed = true;
        incoming.resume();
        reject(tooLarge(maxBytes, limitName));
        return;
      }
      chunks.push(chunk);
    });
    incoming.on('error', (error) => {
      if (!failed) reject(invalidRequest(`Could not read the request body: ${error.message}.`, undefined, error));
    });
    incoming.on('end', () => {
      if (!failed) resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    });
  });
}

/**
 * Reads and parses a JSON request body straight from Node's request (no web-stream conversion on the
 * hot path), refusing bodies over `maxBytes` with a 413 as soon as they pass the limit.
 */
export async function readJsonBody(incoming: IncomingMessage, maxBytes: number): Promise<unknown> {
  return parseRequestJson((await readRawBody(incoming, maxBytes)).toString('utf8'));
}

/** A request body's text as JSON, or a 400 saying what is wrong with it. */
export function parseRequestJson(text: string): unknown {
  if (text.trim() === '') throw invalidRequest('The request body is empty. Send a JSON object with Content-Type: application/json.');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalidRequest(`The request body is not valid JSON: ${(error as Error).message}. Check the quoting and commas.`, undefined, error);
  }
}

function tooLarge(maxBytes: number, limitName = 'server.maxBodyBytes'): OperonError {
  return new OperonError({
    code: 'request_too_large',
    kind: 'payload_too_large',
    blame: 'user',
    message: `The request body is larger than the limit of ${maxBytes} bytes. Send less, or raise ${limitName} in operon.yaml.`,
  });
}
