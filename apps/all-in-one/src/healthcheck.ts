/**
 * The image's HEALTHCHECK: GET http://127.0.0.1:<port>/health, exit 0 on 200, 1 otherwise (the
 * slim image has no curl). The port is the first argument, else PORT, else 3000: the api and
 * all-in-one answer on PORT, the worker and poller on their metrics ports.
 */
const port = Number(process.argv[2] ?? process.env.PORT ?? 3000);
fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(4000) })
  .then((res) => {
    process.exitCode = res.status === 200 ? 0 : 1;
  })
  .catch(() => {
    process.exitCode = 1;
  });
