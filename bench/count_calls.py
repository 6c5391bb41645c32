"""A process whose instructions instructions.py counts: python count_calls.py sync|async NAME PORT CALLS.

Sets up the contender NAME (sync_calls.CONTENDERS or async_calls.CONTENDERS), makes WARM_UP calls, then
CALLS more, closes it and exits; prints the collections of each GC generation as a JSON line. It
imports nothing but what the contender needs, so that most of what callgrind counts is the calls.
"""

import gc
import json
import sys

from wire import JOB_ID

WARM_UP = 5  # calls before the counted ones: the connection open, lazy imports done


def main(kind: str, name: str, port: int, calls: int) -> None:
    if kind == "sync":
        import sync_calls

        call, close = sync_calls.CONTENDERS[name](port)
        job_ids = {call() for _ in range(WARM_UP)}
        for _ in range(calls):
            call()
        close()
    else:
        import asyncio

        import async_calls

        async def run() -> set[str]:
            acall, aclose = await async_calls.CONTENDERS[name](port)
            seen = {await acall() for _ in range(WARM_UP)}
            for _ in range(calls):
                await acall()
            await aclose()
            return seen

        job_ids = asyncio.run(run())
    if job_ids != {JOB_ID}:
        raise SystemExit(f"{name}: read the job IDs {job_ids}, not {JOB_ID}")
    print(json.dumps({"gc": [generation["collections"] for generation in gc.get_stats()]}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
