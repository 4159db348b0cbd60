import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inventoryCatalogue } from './inventory-catalogue';
import { CatalogueUnavailableError } from './product-catalogue';

// An HTTP server in the inventory worker's place: it answers GET /products/:id as the test says.
describe('the inventory catalogue', () => {
  const answers = new Map<string, number | 'hang'>();
  const asked: string[] = [];
  let server: Server;
  let url: URL;

  beforeAll(async () => {
    server = createServer((request, response) => {
      asked.push(request.url ?? '');
      const id = request.url?.replace(/^\/base\/products\//, '') ?? '';
      const answer = answers.get(id) ?? 404;
      if (answer === 'hang') return;
      response.writeHead(answer, { 'content-type': 'application/json' }).end(JSON.stringify({ id }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/base`);
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => (asked.length = 0));

  it('says a product the inventory worker finds is sold, and asks for it once', async () => {
    const id = randomUUID();
    answers.set(id, 200);
    const catalogue = inventoryCatalogue({ url, timeoutMs: 1_000 });

    expect([await catalogue.has(id), await catalogue.has(id)]).toEqual([true, true]);
    expect(asked).toEqual([`/base/products/${id}`]);
  });

  it('says a product answered 404 is not sold, and asks again next time (it may have been created since)', async () => {
    const id = randomUUID();
    const catalogue = inventoryCatalogue({ url, timeoutMs: 1_000 });

    expect(await catalogue.has(id)).toBe(false);
    answers.set(id, 200);
    expect(await catalogue.has(id)).toBe(true);
    expect(asked).toHaveLength(2);
  });

  it('forgets the oldest product it remembered beyond its bound', async () => {
    const [first, second] = [randomUUID(), randomUUID()];
    answers.set(first, 200).set(second, 200);
    const catalogue = inventoryCatalogue({ url, timeoutMs: 1_000, remembered: 1 });

    await catalogue.has(first);
    await catalogue.has(second);
    await catalogue.has(first);
    expect(asked).toHaveLength(3);
  });

  it('cannot tell when the inventory worker answers 5xx, hangs past the timeout or is not there', async () => {
    const [failing, hanging] = [randomUUID(), randomUUID()];
    answers.set(failing, 500).set(hanging, 'hang');
    const catalogue = inventoryCatalogue({ url, timeoutMs: 200 });
    const nobody = inventoryCatalogue({ url: new URL(`http://127.0.0.1:${await closedPort()}`), timeoutMs: 1_000 });

    await expect(catalogue.has(failing)).rejects.toThrow(
      new CatalogueUnavailableError('the inventory worker answered 500'),
    );
    await expect(catalogue.has(hanging)).rejects.toThrow(/timeout/);
    await expect(nobody.has(randomUUID())).rejects.toThrow(/ECONNREFUSED/);
    await expect(nobody.has(randomUUID())).rejects.toBeInstanceOf(CatalogueUnavailableError);
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
