"""Sample function: writes one text log line and one JSON log line per invocation.

The telemetry extension layer attached to it ships both lines, and the platform
events of the invocation, to the Kinesis stream.
"""

import json


def handler(event, context):
    print(f"hello from {context.function_name}, request {context.aws_request_id}")
    print(json.dumps({"level": "INFO", "message": "sample event", "event": event}))
    return {"ok": True, "requestId": context.aws_request_id}
