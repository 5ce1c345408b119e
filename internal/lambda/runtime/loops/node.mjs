// gatehouse's runtime loop for Lambda's Node.js runtimes (nodejs20.x,
// nodejs22.x). It speaks the Runtime API at AWS_LAMBDA_RUNTIME_API with
// node's own http module, loads the handler named by _HANDLER from
// LAMBDA_TASK_ROOT, and calls it once per invocation. It behaves as
// Lambda's Node.js runtime does where a function can tell; README.md in
// this package lists where it is simpler.

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import util from 'node:util';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const API = process.env.AWS_LAMBDA_RUNTIME_API;
const BASE = '/2018-06-01/runtime';
// One kept-alive connection: the loop makes one request at a time. Node
// unrefs idle kept-alive sockets, so the connection does not hold the
// event loop open and 'beforeExit' still tells when a handler is done.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

// ---- logging: console as Lambda patches it ----

// requestId is the invocation being handled; log lines before the first
// carry "undefined", as on Lambda.
let requestId;

// Each console call becomes one line "{ISO time}\t{request id}\t{LEVEL}\t{message}".
// Newlines inside the message become carriage returns, as Lambda's
// runtime does on stdout, so that one call stays one log event.
function patchConsole() {
  const write = (level) => (...args) => {
    const line = `${new Date().toISOString()}\t${requestId}\t${level}\t${util.format(...args)}`;
    process.stdout.write(line.replace(/\n/g, '\r') + '\n');
  };
  console.trace = write('TRACE');
  console.debug = write('DEBUG');
  console.info = write('INFO');
  console.log = console.info;
  console.warn = write('WARN');
  console.error = write('ERROR');
  console.fatal = write('FATAL');
}

// ---- errors, shaped as the runtime reports them ----

// runtimeError makes the Runtime.* errors Lambda's runtime raises.
function runtimeError(type, message) {
  const e = new Error(message);
  e.name = `Runtime.${type}`;
  return e;
}

function isError(e) {
  return util.types.isNativeError(e) ||
    (e && typeof e.name === 'string' && typeof e.message === 'string' && typeof e.stack === 'string');
}

// toResponse is the error document posted to the Runtime API, which
// becomes the Invoke response's payload.
function toResponse(e) {
  if (isError(e)) {
    return { errorType: e.name, errorMessage: e.message, trace: e.stack.split('\n') };
  }
  return { errorType: typeof e, errorMessage: String(e), trace: [] };
}

// logError writes an error to the log as Lambda does:
// "{label} \t{JSON with errorType, errorMessage, own properties, stack}".
// What is not an Error is logged as one made from it.
function logError(label, e) {
  if (!(e instanceof Error)) e = new Error(e);
  let body;
  try {
    body = JSON.stringify(e, (_k, v) => {
      if (!(v instanceof Error)) return v;
      const out = Object.assign({ errorType: v.name, errorMessage: v.message, code: v.code }, v);
      if (typeof v.stack === 'string') out.stack = v.stack.split('\n');
      return out;
    });
  } catch {
    body = JSON.stringify(toResponse(e));
  }
  console.error(label, '\t' + body);
}

// ---- the Runtime API ----

function call(method, p, body, headers = {}) {
  const [host, port] = API.split(':');
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, method, path: BASE + p, agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function post(p, body, headers) {
  const res = await call('POST', p, body, { 'Content-Type': 'application/json', ...headers });
  if (res.status >= 400) {
    throw new Error(`Runtime API ${p} answered ${res.status}: ${res.body}`);
  }
}

function postError(p, e) {
  const doc = toResponse(e);
  return post(p, JSON.stringify(doc), { 'Lambda-Runtime-Function-Error-Type': doc.errorType });
}

// ---- loading the handler ----

// packageTypeModule reports whether the nearest package.json above dir
// (stopping at a node_modules folder) declares "type": "module".
function packageTypeModule(dir) {
  for (;;) {
    if (dir.endsWith(`${path.sep}node_modules`)) return false;
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj)) {
      try {
        return JSON.parse(fs.readFileSync(pj, 'utf8'))?.type === 'module';
      } catch (e) {
        console.warn(`${pj} cannot be read, it will be ignored for ES module detection purposes.`, e);
        return false;
      }
    }
    const up = path.dirname(dir);
    if (up === dir) return false;
    dir = up;
  }
}

// loadModule finds and loads file (a path without extension) in the
// order Lambda's Node.js runtime tries, falling back to node's own
// resolution of the bare name from the task root (a package in
// node_modules, say).
async function loadModule(taskRoot, moduleRoot, name) {
  const file = path.resolve(taskRoot, moduleRoot, name);
  const require = createRequire(path.join(taskRoot, 'noop.js'));
  const exists = (f) => fs.existsSync(f) && fs.statSync(f).isFile();
  const imp = async (f) => import(pathToFileURL(f).href);
  if (exists(file)) return require(file);
  const esm = packageTypeModule(path.dirname(file));
  if (!esm && exists(file + '.js')) return require(file + '.js');
  if (esm && exists(file + '.js')) return imp(file + '.js');
  if (exists(file + '.mjs')) return imp(file + '.mjs');
  if (exists(file + '.cjs')) return require(file + '.cjs');
  return require(require.resolve(name, { paths: [taskRoot, path.resolve(taskRoot, moduleRoot)] }));
}

// loadHandler resolves a handler string: "[dir/]file.export[.nested...]".
async function loadHandler(taskRoot, handler) {
  if (handler.includes('..')) {
    throw runtimeError('MalformedHandlerName', `'${handler}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`);
  }
  const base = path.basename(handler);
  const moduleRoot = handler.slice(0, handler.length - base.length);
  const dot = base.indexOf('.');
  if (dot < 0) throw runtimeError('MalformedHandlerName', 'Bad handler');
  const [name, exportPath] = [base.slice(0, dot), base.slice(dot + 1)];
  let mod;
  try {
    mod = await loadModule(taskRoot, moduleRoot, name);
  } catch (e) {
    if (e instanceof SyntaxError) {
      const err = runtimeError('UserCodeSyntaxError', String(e));
      err.stack = e.stack;
      throw err;
    }
    if (e && (e.code === 'MODULE_NOT_FOUND' || e.code === 'ERR_MODULE_NOT_FOUND')) {
      throw runtimeError('ImportModuleError', String(e));
    }
    throw e;
  }
  const fn = exportPath.split('.').reduce((o, k) => o && o[k], mod);
  if (!fn) throw runtimeError('HandlerNotFound', `${handler} is undefined or not exported`);
  if (typeof fn !== 'function') throw runtimeError('HandlerNotFound', `${handler} is not a function`);
  return fn;
}

// ---- one invocation ----

// onDrain is called when the event loop has nothing left to do while a
// handler runs: node emits 'beforeExit' then, and Lambda's runtime uses
// that moment (callbackWaitsForEmptyEventLoop).
let onDrain = null;
process.on('beforeExit', () => {
  const f = onDrain;
  onDrain = null;
  if (f) f();
});

function parseHeader(v, name) {
  if (v === undefined) return undefined;
  try {
    return JSON.parse(v);
  } catch (e) {
    throw new Error(`Cannot parse ${name} as json: ${e.toString()}`);
  }
}

// context is the handler's second argument, built from the function's
// environment and the invocation's headers.
function makeContext(h, settle) {
  const deadline = Number(h['lambda-runtime-deadline-ms']);
  let waits = true;
  const ctx = {
    get callbackWaitsForEmptyEventLoop() { return waits; },
    set callbackWaitsForEmptyEventLoop(v) { waits = v; },
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    clientContext: parseHeader(h['lambda-runtime-client-context'], 'ClientContext'),
    identity: parseHeader(h['lambda-runtime-cognito-identity'], 'CognitoIdentity'),
    invokedFunctionArn: h['lambda-runtime-invoked-function-arn'],
    awsRequestId: h['lambda-runtime-aws-request-id'],
    getRemainingTimeInMillis: () => deadline - Date.now(),
    // The callbacks of Lambda's first Node.js runtimes, still honoured.
    done: (err, result) => settle(err, result, false),
    succeed: (result) => settle(null, result, false),
    fail: (err) => settle(err ?? 'handled', null, false),
  };
  return [ctx, () => waits];
}

// invoke runs the handler on one event and resolves to [error, result]
// with the first outcome: the returned promise settling, the callback
// (after the event loop empties, unless callbackWaitsForEmptyEventLoop
// was set false), a synchronous throw, or the event loop emptying with
// neither (a null result for a plain function; Runtime.NodeJsExit for an
// async one, whose promise can then never settle).
function invoke(handler, event, headers) {
  return new Promise((resolve) => {
    let finished = false;
    const finish = (err, result) => {
      if (finished) return;
      finished = true;
      onDrain = null;
      resolve([err, result]);
    };
    let waits = () => true;
    let called = false;
    const settle = (err, result, fromCallback) => {
      if (called) return;
      called = true;
      if (err !== undefined && err !== null) return finish(err);
      if (fromCallback && waits()) {
        onDrain = () => setImmediate(() => finish(null, result));
        return;
      }
      finish(null, result);
    };
    const isAsync = handler.constructor?.name === 'AsyncFunction';
    onDrain = () => {
      if (isAsync) {
        finish(runtimeError('NodeJsExit', 'The event loop emptied before the handler\'s promise settled'));
      } else {
        finish(null, null);
      }
    };
    try {
      let ctx;
      [ctx, waits] = makeContext(headers, settle);
      const out = handler(event, ctx, (err, result) => settle(err, result, true));
      if (out && typeof out.then === 'function') {
        out.then((r) => settle(null, r, false), (e) => settle(e ?? 'handled', null, false));
      }
    } catch (e) {
      settle(e, null, false);
    }
  });
}

// respond posts the outcome of invocation id.
async function respond(id, err, result) {
  if (err !== undefined && err !== null) {
    logError('Invoke Error', err);
    return postError(`/invocation/${id}/error`, err);
  }
  let body;
  try {
    body = JSON.stringify(result === undefined ? null : result);
  } catch {
    const e = runtimeError('JSONStringifyError', 'Unable to stringify response body');
    logError('Invoke Error', e);
    return postError(`/invocation/${id}/error`, e);
  }
  return post(`/invocation/${id}/response`, body);
}

// ---- the loop ----

async function main() {
  patchConsole();
  let handler;
  try {
    handler = await loadHandler(process.env.LAMBDA_TASK_ROOT || process.cwd(), process.env._HANDLER || '');
  } catch (e) {
    logError('Uncaught Exception', e);
    await postError('/init/error', e).catch(() => {});
    process.exit(129);
  }

  // An exception or rejection nobody catches ends the invocation with
  // it, and the process, as on Lambda: the next invocation starts anew.
  const fatal = (label, code) => async (e) => {
    logError(label, e);
    const at = requestId ? `/invocation/${requestId}/error` : '/init/error';
    await postError(at, e).catch(() => {});
    process.exit(code);
  };
  process.on('uncaughtException', fatal('Uncaught Exception', 129));
  process.on('unhandledRejection', (reason) => {
    const e = runtimeError('UnhandledPromiseRejection', String(reason));
    e.reason = reason;
    fatal('Unhandled Promise Rejection', 128)(e);
  });

  for (;;) {
    const next = await call('GET', '/invocation/next');
    if (next.status !== 200) {
      throw new Error(`Runtime API /invocation/next answered ${next.status}: ${next.body}`);
    }
    const h = next.headers;
    requestId = h['lambda-runtime-aws-request-id'];
    if (h['lambda-runtime-trace-id']) {
      process.env._X_AMZN_TRACE_ID = h['lambda-runtime-trace-id'];
    } else {
      delete process.env._X_AMZN_TRACE_ID;
    }
    let outcome;
    try {
      outcome = await invoke(handler, JSON.parse(next.body), h);
    } catch (e) {
      outcome = [e];
    }
    await respond(requestId, ...outcome);
  }
}

main().catch((e) => {
  // The Runtime API went away or broke the protocol: nothing to report
  // to, so say it on stderr and stop.
  process.stderr.write(`runtime loop: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
