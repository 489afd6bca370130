/**
 * An OpenAI-compatible server for the wrapper's tests: node:http on 127.0.0.1 (port 0) replaying the
 * recorded replies in `../__fixtures__/`. `model: 'rejected-model'` gets the recorded 400 error.
 * Test support only; not exported from `operon/sdk`.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const fixture = (name: string): string => readFileSync(new URL(`../__fixtures__/${name}`, import.meta.url), 'utf8');

export const fixtures = {
  chatCompletion: JSON.parse(fixture('chat-completion.json')) as Record<string, unknown>,
  embeddings: JSON.parse(fixture('embeddings.json')) as { data: Array<{ embedding: number[] }> },
  responses: JSON.parse(fixture('responses.json')) as Record<string, unknown>,
  streamUsage: fixture('stream-usage.sse'),
  responsesStream: fixture('responses-stream.sse'),
  error400: fixture('error-400.json'),
};

export const REJECTED_MODEL = 'rejected-model';

export interface OpenAIRequest {
  path: string;
  body: Record<string, unknown>;
}

function sendJson(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'req_fake' });
  response.end(body);
}

function sendSse(response: ServerResponse, body: string): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  // one write per event, as a server streaming them would
  for (const event of body.split('\n\n').filter((part) => part.trim() !== '')) response.write(`${event}\n\n`);
  response.end();
}

function float32Base64(vector: number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString('base64');
}

export class FakeOpenAIServer {
  readonly requests: OpenAIRequest[] = [];
  readonly #server: Server;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<FakeOpenAIServer> {
    const server = createServer();
    const fake = new FakeOpenAIServer(server);
    server.on('request', (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
        const path = request.url ?? '';
        fake.requests.push({ path, body });
        if (body.model === REJECTED_MODEL) return sendJson(response, 400, fixtures.error400);
        if (path === '/v1/chat/completions') {
          if (body.stream === true) return sendSse(response, fixtures.streamUsage);
          return sendJson(response, 200, JSON.stringify(fixtures.chatCompletion));
        }
        if (path === '/v1/responses') {
          if (body.stream === true) return sendSse(response, fixtures.responsesStream);
          return sendJson(response, 200, JSON.stringify(fixtures.responses));
        }
        if (path === '/v1/embeddings') {
          const base64 = body.encoding_format === 'base64';
          const data = fixtures.embeddings.data.map((item) => ({
            ...item,
            embedding: base64 ? float32Base64(item.embedding) : item.embedding,
          }));
          return sendJson(response, 200, JSON.stringify({ ...fixtures.embeddings, data }));
        }
        return sendJson(response, 404, '{"error":{"message":"not found","type":"invalid_request_error"}}');
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return fake;
  }

  /** The `baseURL` to give the openai client. */
  get baseURL(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/v1`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    this.#server.close();
    await once(this.#server, 'close');
  }
}
