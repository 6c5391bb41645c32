from sae_job.cli import run

run()
