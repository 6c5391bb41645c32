"""One ExecJob call on the official SDK, as a pipeline step would make it: python one_call_sdk.py HOST:PORT.

Credentials from the environment (ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET), plain http to a local
endpoint; prints the job ID. The cold start section of make bench times this whole process.
"""

import os
import sys

from alibabacloud_sae20190506 import models
from alibabacloud_sae20190506.client import Client
from alibabacloud_tea_openapi import models as open_api_models

config = open_api_models.Config(
    access_key_id=os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"],
    access_key_secret=os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
    endpoint=sys.argv[1],
    protocol="http",
    region_id="cn-hangzhou",
)
request = models.ExecJobRequest(
    app_id="ee1a7a07-abcb-4652-a1d3-2d57f4150001",
    command="echo",
    command_args='["abc",">","file0"]',
)
print(Client(config).exec_job(request).body.data.data)
