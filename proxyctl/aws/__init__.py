"""The only package that imports boto3 and botocore."""
