"""``python -m openrouter_magic.testing --port N``: run the emulator until Ctrl-C."""

from __future__ import annotations

import argparse
import sys
import threading

from ._fake import FakeOpenRouter


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, serve, print the base URL, wait for Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m openrouter_magic.testing",
                                     description="A local OpenRouter emulator on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    parser.add_argument("--chunk-delay", type=float, default=0.0, help="seconds between SSE events")
    parser.add_argument("--first-byte-delay", type=float, default=0.0, help="seconds before the first byte")
    parser.add_argument("--catalog", default=None, help="a /models JSON file to serve instead of the demo catalog")
    parser.add_argument("--api-key", default=None, help="accept only this key (default: any non-empty key)")
    args = parser.parse_args(argv)
    fake = FakeOpenRouter(catalog=args.catalog, api_key=args.api_key, port=args.port,
                          chunk_delay=args.chunk_delay, first_byte_delay=args.first_byte_delay)
    print(fake.base_url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
