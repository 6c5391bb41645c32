"""The call every contender makes: the API reference's own example, in the wire form and as arguments.

Constants only, importing nothing: a process whose instructions are counted (count_calls.py) pays for
the contender's own imports and little else.
"""

APP_ID = "ee1a7a07-abcb-4652-a1d3-2d57f4150001"  # the emulator's embedded template
COMMAND = ["echo", "abc", ">", "file0"]
ENVS = {"envtmp": "0"}
PATH = "/pop/v1/sam/job/execJob"
EVENT_ID = "1f0b7c2e-6a43-4d8e-9a51-3c7d2b9e8f10"  # sae-job sends a fresh one per call: same length
WIRE_QUERY = {
    "AppId": APP_ID,
    "EventId": EVENT_ID,
    "Command": "echo",
    "CommandArgs": '["abc",">","file0"]',
    "Envs": '[{"name":"envtmp","value":"0"}]',
}
ACCESS_KEY_ID = "emulator-demo-key-id"  # the emulator's embedded demo key: it opens nothing else
ACCESS_KEY_SECRET = "emulator-demo-key-secret"
JOB_ID = "manual-3db7a8fa-5d40-4edc-92e4-49d50eab6a2c"  # the job ID of the canned answer (server.ANSWER)
