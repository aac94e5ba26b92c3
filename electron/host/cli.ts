/**
 * Runs the web host: `tsx electron/host/cli.ts [--dev] [--port N] [--static DIR] [--test-mode]`.
 * `--dev` serves the renderer through Vite (hot reload); otherwise the built
 * `out/renderer`. Prints the address to open.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createHost, memorySecretStore } from './services';
import { startWebHost } from './web-server';

const root = fileURLToPath(new URL('../../', import.meta.url));
const { values } = parseArgs({
  options: {
    dev: { type: 'boolean', default: false },
    port: { type: 'string', default: process.env.CAMPAIGN_DESK_PORT ?? '4317' },
    static: { type: 'string', default: `${root}out/renderer` },
    'test-mode': { type: 'boolean', default: false },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`error: --port: ${JSON.stringify(values.port)} is not a port number (0–65535)`);
  process.exit(2);
}
const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };
const runtime = createHost({
  host: 'web',
  version,
  testMode: values['test-mode'],
  secrets: memorySecretStore({ CAMPAIGN_DESK_SMTP_PASSWORD: process.env.CAMPAIGN_DESK_SMTP_PASSWORD }),
});

let serve: Parameters<typeof startWebHost>[0]['serve'] = values.static;
let vite: { close(): Promise<void>; middlewares: (req: never, res: never, next: () => void) => void } | undefined;
if (values.dev) {
  const { createServer } = await import('vite');
  const server = await createServer({
    configFile: `${root}renderer/vite.config.ts`,
    server: { middlewareMode: true, hmr: { port: port === 0 ? 0 : port + 1, host: '127.0.0.1' } },
    appType: 'spa',
  });
  vite = server as unknown as typeof vite;
  serve = server.middlewares;
} else if (!existsSync(`${values.static}/index.html`)) {
  console.error(`error: --static: ${JSON.stringify(values.static)} holds no built app; run "npm run build" first`);
  process.exit(2);
}

try {
  const host = await startWebHost({ handlers: runtime.handlers, port, serve });
  runtime.emit = (event, payload) => host.emit(event, payload);
  const mode = values.dev ? ' (development: pages reload as you edit)' : '';
  console.log(`Campaign Desk is running at ${host.url}${mode} — open it in your browser (Ctrl+C to stop).`);
  const stop = async (): Promise<void> => {
    await runtime.close();
    await host.close();
    await vite?.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  console.error(
    code === 'EADDRINUSE'
      ? `error: --port: ${port} is already in use (is Campaign Desk already running?); pick another with CAMPAIGN_DESK_PORT=4400`
      : `error: the web host could not start: ${(error as Error).message}`,
  );
  process.exit(1);
}
