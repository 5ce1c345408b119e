"""gatehouse's runtime loop for Lambda's Python runtimes (python3.11 to 3.13).

It speaks the Runtime API at AWS_LAMBDA_RUNTIME_API with http.client,
imports the handler named by _HANDLER from LAMBDA_TASK_ROOT, and calls it
once per invocation. It behaves as Lambda's Python runtime does where a
function can tell; README.md in this package lists where it is simpler.
Standard library only.
"""

import decimal
import http.client
import importlib
import json
import logging
import os
import sys
import time
import traceback

BASE = "/2018-06-01/runtime"
LOOP_FILE = os.path.abspath(__file__)

# The request being handled, for log lines; "" before the first, as on
# Lambda's logging format.
request_id = ""


class Fault(Exception):
    """An error the runtime itself raises, with Lambda's Runtime.* type."""

    def __init__(self, error_type, message, trace=None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace


# ---- the Runtime API ----


class RuntimeAPI:
    """One kept-alive connection to the Runtime API; the loop makes one
    request at a time."""

    def __init__(self, address):
        self.address = address
        self.conn = None

    def call(self, method, path, body=None, headers=None):
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.address)
            try:
                self.conn.request(method, BASE + path, body=body, headers=headers or {})
                resp = self.conn.getresponse()
                return resp.status, resp.headers, resp.read()
            except (http.client.HTTPException, ConnectionError):
                # A kept-alive connection the server closed: dial again once.
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise

    def post(self, path, body, headers=None):
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        status, _, text = self.call("POST", path, body, h)
        if status >= 400:
            raise RuntimeError("Runtime API %s answered %d: %r" % (path, status, text))

    def post_error(self, path, doc):
        self.post(path, to_json(doc).encode("utf-8"), {"Lambda-Runtime-Function-Error-Type": doc["errorType"]})


# ---- JSON as Lambda's marshaller writes it ----


class Encoder(json.JSONEncoder):
    def default(self, o):
        # Lambda's runtime writes Decimals (what DynamoDB hands back) as
        # numbers.
        if isinstance(o, decimal.Decimal):
            return int(o) if o == o.to_integral_value() else float(o)
        return super().default(o)


def to_json(obj):
    # Lambda's python3.12 runtime alone writes non-ASCII characters as
    # they are; the others escape them.
    ascii_only = os.environ.get("AWS_EXECUTION_ENV") != "AWS_Lambda_python3.12"
    return json.dumps(obj, cls=Encoder, ensure_ascii=ascii_only)


# ---- logging as Lambda sets it up ----


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = request_id
        return True


class StdoutHandler(logging.Handler):
    """Writes each record to stdout as formatted, its own newline last."""

    def emit(self, record):
        sys.stdout.write(self.format(record))
        sys.stdout.flush()


def setup_logging():
    logging.Formatter.converter = time.gmtime
    handler = StdoutHandler()
    handler.setFormatter(
        logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
            "%Y-%m-%dT%H:%M:%S",
        )
    )
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper()
    if level in logging._nameToLevel:
        root.setLevel(level)


def log_error(doc):
    """Writes an error as Lambda's runtime does: one log event, lines
    joined with carriage returns, the trace indented with no-break
    spaces so that the log viewer keeps the indentation."""
    head = "[ERROR]"
    if doc.get("errorType"):
        head += " " + doc["errorType"]
    if doc.get("errorMessage"):
        head += (":" if doc.get("errorType") else "") + " " + doc["errorMessage"]
    lines = [head]
    if doc.get("stackTrace") is not None:
        lines.append("Traceback (most recent call last):")
        for element in doc["stackTrace"]:
            for line in element.splitlines() or [""]:
                stripped = line.lstrip(" ")
                lines.append("\u00a0" * (len(line) - len(stripped)) + stripped)
    sys.stdout.write("\r".join(lines) + "\n")
    sys.stdout.flush()


# ---- errors ----


def error_doc(message, error_type, trace, rid=""):
    return {
        "errorMessage": message or "",
        "errorType": error_type or "",
        "requestId": rid or "",
        "stackTrace": trace or [],
    }


def user_frames(tb):
    """The traceback from the first frame not in this loop: the user's
    code, as Lambda shows it."""
    frames = traceback.extract_tb(tb)
    for i, frame in enumerate(frames):
        if frame.filename != LOOP_FILE:
            return traceback.format_list(frames[i:])
    return traceback.format_list(frames)


def fault_doc(exc, rid=""):
    if isinstance(exc, Fault):
        return error_doc(exc.message, exc.error_type, exc.trace, rid)
    return error_doc(str(exc), type(exc).__name__, user_frames(exc.__traceback__), rid)


# ---- loading the handler ----


def load_handler(handler):
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise Fault("Runtime.MalformedHandlerName", "Bad handler '{}': {}".format(handler, e))
    if modname.split(".")[0] in sys.builtin_module_names:
        raise Fault(
            "Runtime.BuiltInModuleConflict",
            "Cannot use built-in module {} as a handler module".format(modname),
        )
    try:
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise Fault("Runtime.ImportModuleError", "Unable to import module '{}': {}".format(modname, e))
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise Fault(
            "Runtime.UserCodeSyntaxError",
            "Syntax error in module '{}': {}".format(modname, e),
            trace,
        )
    try:
        return getattr(module, fname)
    except AttributeError:
        raise Fault("Runtime.HandlerNotFound", "Handler '{}' missing on module '{}'".format(fname, modname))


# ---- the context object ----


def obj_from(cls, d):
    if d is None:
        return None
    o = cls()
    for field in cls.__slots__:
        setattr(o, field, d.get(field))
    return o


class CognitoIdentity:
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]


class Client:
    __slots__ = ["installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name"]


class ClientContext:
    __slots__ = ["custom", "env", "client"]


def parse_header(value, name):
    if not value:
        return None
    try:
        return json.loads(value)
    except Exception as e:
        raise Fault("Runtime.LambdaContextUnmarshalError", "Unable to parse {} JSON: {}".format(name, e))


class LambdaContext:
    """The handler's second argument, with the members Lambda's has."""

    def __init__(self, headers):
        self.aws_request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn")
        self.tenant_id = headers.get("Lambda-Runtime-Aws-Tenant-Id")
        client_context = parse_header(headers.get("Lambda-Runtime-Client-Context"), "Client Context")
        self.client_context = obj_from(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = obj_from(Client, self.client_context.client)
        identity = parse_header(headers.get("Lambda-Runtime-Cognito-Identity"), "Cognito Identity") or {}
        self.identity = obj_from(CognitoIdentity, {
            "cognito_identity_id": identity.get("cognitoIdentityId"),
            "cognito_identity_pool_id": identity.get("cognitoIdentityPoolId"),
        })
        self._deadline_ms = int(headers.get("Lambda-Runtime-Deadline-Ms") or 0)

    def get_remaining_time_in_millis(self):
        left = self._deadline_ms - int(time.time() * 1000)
        return left if left > 0 else 0

    def log(self, msg):
        sys.stdout.write(str(msg))

    def __repr__(self):
        return "LambdaContext([aws_request_id=%s,log_group_name=%s,log_stream_name=%s,function_name=%s,memory_limit_in_mb=%s,function_version=%s,invoked_function_arn=%s,client_context=%s,identity=%s])" % (
            self.aws_request_id, self.log_group_name, self.log_stream_name, self.function_name,
            self.memory_limit_in_mb, self.function_version, self.invoked_function_arn,
            self.client_context, self.identity)


# ---- one invocation ----


def handle(client, handler, status, headers, body):
    global request_id
    rid = headers.get("Lambda-Runtime-Aws-Request-Id")
    request_id = rid
    trace_id = headers.get("Lambda-Runtime-Trace-Id")
    if trace_id:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)
    try:
        context = LambdaContext(headers)
        content_type = headers.get("Content-Type") or "application/json"
        event = body
        if content_type == "application/json":
            try:
                event = json.loads(body)
            except Exception as e:
                raise Fault("Runtime.UnmarshalError", "Unable to unmarshal input: {}".format(e))
        result = handler(event, context)
        if isinstance(result, bytes):
            payload, ctype = result, "application/unknown"
        else:
            try:
                payload, ctype = to_json(result).encode("utf-8"), "application/json"
            except Exception as e:
                raise Fault("Runtime.MarshalError", "Unable to marshal response: {}".format(e))
    except Exception as e:
        doc = fault_doc(e, rid)
        log_error(doc)
        client.post_error("/invocation/%s/error" % rid, doc)
        return
    client.post("/invocation/%s/response" % rid, payload, {"Content-Type": ctype})


def main():
    client = RuntimeAPI(os.environ["AWS_LAMBDA_RUNTIME_API"])
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    # The package's modules come first, as on Lambda; this loop's own
    # directory (Python put it first) is no place to import from.
    loop_dir = os.path.dirname(LOOP_FILE)
    sys.path[:] = [task_root] + [p for p in sys.path if p not in (loop_dir, task_root)]
    setup_logging()
    try:
        handler = load_handler(os.environ.get("_HANDLER", ""))
    except Exception as e:
        doc = fault_doc(e)
        log_error(doc)
        client.post_error("/init/error", doc)
        sys.exit(1)
    while True:
        status, headers, body = client.call("GET", "/invocation/next")
        if status != 200:
            raise RuntimeError("Runtime API /invocation/next answered %d: %r" % (status, body))
        handle(client, handler, status, headers, body)


if __name__ == "__main__":
    main()
