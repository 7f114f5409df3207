"""AWS infrastructure as code: deploy `infra/cloudformation/trending-now.yaml`, then bootstrap.

`deploy.py` creates or updates the CloudFormation stack with boto3 (AWS, or the local AWS
emulator); `bootstrap.py` checks what the stack really created against the template, fills in
what the emulator skips, and sets the secret values that never belong in a template;
`local.py` does both against the local stack's emulator (`make deploy-local`).
"""
