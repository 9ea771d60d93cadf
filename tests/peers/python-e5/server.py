"""The Python peer of matchbench: Matchraum's vector query path as a plain Python service.

A bare ASGI app on uvicorn (no framework), doing per request what Matchraum's semantic
ranking does: tokenise `query: <text>` with tokenizer.json (the `tokenizers` package), run
the same ONNX graph with onnxruntime, mean-pool over real tokens and L2-normalise with
numpy, then exact cosine top-k over the catalogue vectors Matchraum stored for that graph
(written by matchbench: `vectors.f32` little-endian float32 rows, `ids.txt` one solution id
per line). Each request is one model call on a worker thread (ONNX Runtime releases the GIL),
the way a typical Python service runs a model; there is no batching, lexical search, fusion
or explanation, so the peer does less per request than `/api/v1/match`.

    POST /match {"text": "...", "limit": 10} -> {"results": [{"id": 12, "score": 0.91}, ...]}
    GET /healthz -> ok

Run: python server.py --model-dir DIR --graph model.int8.onnx --vectors F --ids F --port N
"""
import argparse
import asyncio
import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
import uvicorn
from tokenizers import Tokenizer

MAX_TOKENS = 512
MAX_BODY = 64 * 1024
MAX_LIMIT = 100


class VectorMatcher:
    def __init__(self, model_dir, graph, vectors, ids):
        self.tok = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
        self.tok.enable_truncation(MAX_TOKENS)
        self.sess = ort.InferenceSession(str(Path(model_dir) / graph),
                                         providers=["CPUExecutionProvider"])
        self.ids = [int(line) for line in Path(ids).read_text().split()]
        self.vectors = np.fromfile(vectors, "<f4").reshape(len(self.ids), -1)

    def embed_query(self, text):
        enc = self.tok.encode("query: " + text)
        ids = np.array([enc.ids], np.int64)
        mask = np.array([enc.attention_mask], np.int64)
        (hidden,) = self.sess.run(None, {"input_ids": ids, "attention_mask": mask,
                                         "token_type_ids": np.zeros_like(ids)})
        m = mask[:, :, None].astype(np.float32)
        pooled = ((hidden * m).sum(1) / m.sum(1))[0]
        return pooled / np.linalg.norm(pooled)

    def match(self, text, limit):
        scores = self.vectors @ self.embed_query(text)
        k = min(limit, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [{"id": self.ids[i], "score": float(scores[i])} for i in top]


async def read_body(receive):
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if len(body) > MAX_BODY:
            return None
        if not message.get("more_body"):
            return body


async def respond(send, status, payload):
    body = json.dumps(payload).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def parse_query(body):
    """(text, limit) of a match request, or None when it is malformed."""
    try:
        req = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(req, dict):
        return None
    text, limit = req.get("text"), req.get("limit", 10)
    if not isinstance(text, str) or not text.strip():
        return None
    if type(limit) is not int or not 1 <= limit <= MAX_LIMIT:
        return None
    return text.strip(), limit


def app_for(matcher):
    async def app(scope, receive, send):
        if scope["type"] != "http":
            return  # lifespan: nothing to set up or tear down
        route = (scope["method"], scope["path"])
        if route == ("GET", "/healthz"):
            return await respond(send, 200, "ok")
        if route != ("POST", "/match"):
            return await respond(send, 404, {"title": "not found"})
        body = await read_body(receive)
        query = parse_query(body) if body is not None else None
        if query is None:
            return await respond(send, 400, {"title": "expected {text, limit 1..100}"})
        loop = asyncio.get_running_loop()
        results = await loop.run_in_executor(None, matcher.match, *query)
        await respond(send, 200, {"results": results})

    return app


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model-dir", required=True)
    ap.add_argument("--graph", default="model.onnx")
    ap.add_argument("--vectors", required=True)
    ap.add_argument("--ids", required=True)
    ap.add_argument("--port", type=int, required=True)
    args = ap.parse_args()
    matcher = VectorMatcher(args.model_dir, args.graph, args.vectors, args.ids)
    matcher.match("Warmlaufen", 1)  # first call allocates ONNX Runtime's buffers
    uvicorn.run(app_for(matcher), host="127.0.0.1", port=args.port, log_level="warning",
                lifespan="off", access_log=False)


if __name__ == "__main__":
    main()
