"""``make fuzz``: the thorough API fuzzing against a live server (started by ``loadtest/harness.py fuzz`` on a
throwaway database). Builds the same world as the tests (committed this time), gives each role an API key, and
runs engine.fuzz with many examples per operation over HTTP.

    python -m tests.fuzz.live http://127.0.0.1:PORT [--examples 40] [--seconds 900]
"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--examples", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=900)
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuzhou_regulation.settings")
    import django

    django.setup()
    import requests
    import schemathesis

    from tests.fuzz.engine import api_keys, fuzz, report
    from tests.fuzz.test_api_fuzz import known_gap
    from tests.security.world import build_world

    print("building the world (parties A and B, the closed loop, claims, complaints, credit) …", flush=True)
    world = build_world()
    keys = api_keys(world)
    schema = schemathesis.openapi.from_url(f"{args.url}/api/schema/")
    session = requests.Session()

    def call(case, headers):
        return case.call(base_url=args.url, session=session, headers=headers, timeout=60)

    run = fuzz(schema, world, keys, examples=args.examples, call=call, budget_seconds=args.seconds,
               seed_derandomize=False)
    serious = [f for f in run.failures if f.kind != "schema"]
    new_gaps = [f for f in run.failures if f.kind == "schema" and not known_gap(f)]
    known = [f for f in run.failures if f.kind == "schema" and known_gap(f)]
    print(report(run, [], full=False))
    print(f"known schema gaps (see tests/fuzz/test_api_fuzz.py): {len({(f.operation, f.summary) for f in known})}")
    if serious or new_gaps:
        print("\nFAILURES:")
        print(report(run, serious + new_gaps))
        return 1
    print("no 5xx, no leak, responses conform to /api/schema/ (apart from the known gaps)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
