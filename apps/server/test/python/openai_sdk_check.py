"""The gateway through the official OpenAI Python SDK, as a Python user calls it.

Run by test/python-sdk.test.ts with GATEWAY_URL, PROMPTREG_KEY and PROMPT_ID set; prints one JSON object.
The SDK needs `model` and `messages`: an empty model means "the version's", and the gateway's own fields
go through `extra_body`.
"""
import json
import os

import openai
from openai import OpenAI

client = OpenAI(base_url=os.environ["GATEWAY_URL"], api_key=os.environ["PROMPTREG_KEY"], max_retries=0)
prompt = {"prompt_id": os.environ["PROMPT_ID"], "inputs": {"question": "Where is my order?"}}
out = {}

raw = client.chat.completions.with_raw_response.create(model="", messages=[], extra_body=prompt)
completion = raw.parse()
out["content"] = completion.choices[0].message.content
out["usage"] = completion.usage.model_dump(exclude_none=True) if completion.usage else None
out["provider"] = raw.headers.get("x-prompt-provider")
out["model"] = raw.headers.get("x-prompt-model")

text = ""
usage = None
stream = client.chat.completions.create(
    model="claude-sonnet-4/anthropic,gpt-4o-mini/openai",
    messages=[{"role": "user", "content": "and quickly"}],
    stream=True,
    stream_options={"include_usage": True},
    extra_body=prompt,
)
for chunk in stream:
    if chunk.choices:
        text += chunk.choices[0].delta.content or ""
    if chunk.usage:
        usage = chunk.usage.model_dump(exclude_none=True)
out["stream_text"] = text
out["stream_usage"] = usage

try:
    client.chat.completions.create(model="", messages=[], extra_body={"prompt_id": os.environ["PROMPT_ID"], "inputs": {}})
except openai.BadRequestError as error:
    out["error"] = {"status": error.status_code, "code": error.code, "message": error.message}

print(json.dumps(out))
