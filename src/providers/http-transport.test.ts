import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { OperonError } from '../core/errors.ts';
import { createHttpTransport } from './http-transport.ts';

async function serve(handler: http.RequestListener) {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sockets = new Set<unknown>();
  server.on('connection', (socket) => sockets.add(socket));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    sockets,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

test('sends the body and reads status, lowercased headers and text', async () => {
  const server = await serve((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      response.writeHead(201, { 'X-Echo-Method': request.method ?? '', 'Content-Type': 'text/plain' });
      response.end(`${request.headers['x-test']}:${request.headers['content-length']}:${body}`);
    });
  });
  const transport = createHttpTransport();
  try {
    const response = await transport.request({ url: `${server.url}/echo`, method: 'POST', headers: { 'x-test': 'yes' }, body: 'héllo' });
    assert.equal(response.status, 201);
    assert.equal(response.headers['x-echo-method'], 'POST');
    assert.equal(await response.text(), 'yes:6:héllo');
  } finally {
    transport.close?.();
    await server.close();
  }
});

test('reuses one keep-alive socket for calls in a row whose bodies were read', async () => {
  const server = await serve((_request, response) => response.end('ok'));
  const transport = createHttpTransport();
  try {
    for (let index = 0; index < 3; index += 1) {
      const response = await transport.request({ url: server.url, method: 'GET', headers: {} });
      assert.equal(await response.text(), 'ok');
    }
    assert.equal(server.sockets.size, 1);
  } finally {
    transport.close?.();
    await server.close();
  }
});

test('a refused connection is a retryable unavailable error naming the host', async () => {
  const server = await serve(() => {});
  const url = server.url;
  await server.close();
  const transport = createHttpTransport();
  const error = await transport.request({ url: `${url}/v1/chat/completions`, method: 'POST', headers: { authorization: 'Bearer sk-secret' }, body: '{}' }).then(
    () => assert.fail('expected a rejection'),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof OperonError);
  assert.equal(error.kind, 'unavailable');
  assert.equal(error.blame, 'provider');
  assert.equal(error.isRetryable, true);
  assert.match(error.message, new RegExp(new URL(url).host.replace('.', '\\.')));
  assert.match(error.message, /ECONNREFUSED/);
  assert.doesNotMatch(error.message, /sk-secret/);
  transport.close?.();
});

test('a connection closed before the answer is an unavailable error', async () => {
  const server = await serve((request) => request.socket.destroy());
  const transport = createHttpTransport();
  try {
    await assert.rejects(transport.request({ url: server.url, method: 'GET', headers: {} }), { kind: 'unavailable', isRetryable: true });
  } finally {
    transport.close?.();
    await server.close();
  }
});

test('an abort before the answer is a timeout error; a TimeoutError reason says it timed out', async () => {
  const server = await serve(() => {}); // never answers
  const transport = createHttpTransport();
  try {
    const controller = new AbortController();
    const pending = transport.request({ url: server.url, method: 'GET', headers: {}, signal: controller.signal });
    controller.abort();
    await assert.rejects(pending, { kind: 'timeout', code: 'request_aborted', isRetryable: true });
    const timedOut = new AbortController();
    const second = transport.request({ url: server.url, method: 'GET', headers: {}, signal: timedOut.signal });
    timedOut.abort(new DOMException('The operation timed out.', 'TimeoutError'));
    await assert.rejects(second, { kind: 'timeout', code: 'provider_timeout' });
    await assert.rejects(transport.request({ url: server.url, method: 'GET', headers: {}, signal: AbortSignal.abort() }), { kind: 'timeout' });
  } finally {
    transport.close?.();
    await server.close();
  }
});

test('an abort while the body streams ends the iteration with a timeout error and closes the socket', async () => {
  let serverSawClose!: () => void;
  const closed = new Promise<void>((resolve) => (serverSawClose = resolve));
  const server = await serve((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write('data: first\n\n');
    response.on('close', () => serverSawClose());
  });
  const transport = createHttpTransport();
  try {
    const controller = new AbortController();
    const response = await transport.request({ url: server.url, method: 'GET', headers: {}, signal: controller.signal });
    const chunks: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const chunk of response.body) {
          chunks.push(chunk.toString());
          controller.abort();
        }
      })(),
      { kind: 'timeout', code: 'request_aborted' },
    );
    assert.deepEqual(chunks, ['data: first\n\n']);
    await closed;
  } finally {
    transport.close?.();
    await server.close();
  }
});

test('a connection cut mid-body is an unavailable error from the body', async () => {
  const server = await serve((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.write('partial', () => response.socket?.destroy());
  });
  const transport = createHttpTransport();
  try {
    const response = await transport.request({ url: server.url, method: 'GET', headers: {} });
    await assert.rejects(response.text(), { kind: 'unavailable' });
  } finally {
    transport.close?.();
    await server.close();
  }
});

test('destroy() drops an unread body and its socket', async () => {
  let serverSawClose!: () => void;
  const closed = new Promise<void>((resolve) => (serverSawClose = resolve));
  const server = await serve((_request, response) => {
    response.writeHead(200);
    response.write('never read');
    response.on('close', () => serverSawClose());
  });
  const transport = createHttpTransport();
  try {
    const response = await transport.request({ url: server.url, method: 'GET', headers: {} });
    response.destroy();
    response.destroy();
    await closed;
  } finally {
    transport.close?.();
    await server.close();
  }
});

test('sends the path and query of the URL, and an abort while text() reads is a timeout error', async () => {
  let seen = '';
  const server = await serve((request, response) => {
    seen = request.url ?? '';
    response.writeHead(200, { 'content-length': '100' });
    response.write('partial');
  });
  const transport = createHttpTransport();
  try {
    const controller = new AbortController();
    const response = await transport.request({ url: `${server.url}/v1/x?api-version=1`, method: 'GET', headers: {}, signal: controller.signal });
    assert.equal(seen, '/v1/x?api-version=1');
    const reading = response.text();
    controller.abort(new DOMException('late', 'TimeoutError'));
    await assert.rejects(reading, { kind: 'timeout', code: 'provider_timeout' });
    await assert.rejects(response.text(), /already read/);
  } finally {
    transport.close?.();
    await server.close();
  }
});
