"""STS as boto3/botocore and requests-aws4auth see it: accepted when right,
refused with AWS's error shape when the signature, token or clock is wrong."""
import datetime
import subprocess
import sys
from pathlib import Path

import boto3
import botocore.exceptions
import pytest
import requests
from requests_aws4auth import AWS4Auth

REGION = "ap-southeast-1"
ARN = "arn:aws:sts::123456789012:assumed-role/WSParticipantRole/Participant"


def sts_client(labsim, creds, region=REGION):
    return boto3.client(
        "sts",
        region_name=region,
        endpoint_url=labsim.sts,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def error_of(call):
    with pytest.raises(botocore.exceptions.ClientError) as info:
        call()
    return info.value.response


def test_boto3_gets_the_caller_identity(labsim):
    ident = sts_client(labsim, labsim.config()["credentials"]).get_caller_identity()
    assert ident["Account"] == "123456789012"
    assert ident["Arn"] == ARN
    assert ident["UserId"].startswith("AROA") and ident["UserId"].endswith(":Participant")


def test_tampered_signature_is_refused(labsim):
    client = sts_client(labsim, labsim.config()["credentials"])

    def tamper(request, **_):
        auth = request.headers["Authorization"]
        if isinstance(auth, bytes):
            auth = auth.decode()
        last = "0" if auth[-1] != "0" else "1"
        request.headers["Authorization"] = auth[:-1] + last

    client.meta.events.register("before-send.sts.GetCallerIdentity", tamper)
    resp = error_of(client.get_caller_identity)
    assert resp["Error"]["Code"] == "SignatureDoesNotMatch"
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert resp["Error"]["Message"].startswith(
        "The request signature we calculated does not match the signature you provided."
    )


def test_wrong_secret_is_refused(labsim):
    creds = dict(labsim.config()["credentials"])
    creds["SecretAccessKey"] = creds["SecretAccessKey"][::-1]
    resp = error_of(sts_client(labsim, creds).get_caller_identity)
    assert resp["Error"]["Code"] == "SignatureDoesNotMatch"


def test_expired_token_is_refused(labsim):
    resp = error_of(sts_client(labsim, labsim.mint(-60)).get_caller_identity)
    assert resp["Error"]["Code"] == "ExpiredToken"
    assert resp["Error"]["Message"] == "The security token included in the request is expired"
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_unknown_key_is_refused(labsim):
    creds = dict(labsim.config()["credentials"])
    creds["AccessKeyId"] = "ASIAZZZZZZZZZZZZZZZZ"
    resp = error_of(sts_client(labsim, creds).get_caller_identity)
    assert resp["Error"]["Code"] == "InvalidClientTokenId"


def test_wrong_region_in_scope_is_refused(labsim):
    resp = error_of(sts_client(labsim, labsim.config()["credentials"], "eu-west-1").get_caller_identity)
    assert resp["Error"]["Code"] == "SignatureDoesNotMatch"
    assert "Credential should be scoped to a valid region" in resp["Error"]["Message"]


def aws4auth_post(labsim, creds, when):
    auth = AWS4Auth(
        creds["AccessKeyId"], creds["SecretAccessKey"], REGION, "sts",
        session_token=creds["SessionToken"],
    )
    stamp = when.strftime("%Y%m%dT%H%M%SZ")
    return requests.post(
        labsim.sts + "/",
        data="Action=GetCallerIdentity&Version=2011-06-15",
        headers={"content-type": "application/x-www-form-urlencoded", "x-amz-date": stamp},
        auth=auth,
        timeout=10,
    )


def test_requests_aws4auth_is_accepted_now(labsim):
    r = aws4auth_post(labsim, labsim.config()["credentials"], datetime.datetime.now(datetime.timezone.utc))
    assert r.status_code == 200, r.text
    assert f"<Arn>{ARN}</Arn>" in r.text


@pytest.mark.parametrize("minutes, words", [(-6, "Signature expired:"), (6, "Signature not yet current:")])
def test_clock_skew_of_six_minutes_is_refused_with_awss_words(labsim, minutes, words):
    when = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=minutes)
    r = aws4auth_post(labsim, labsim.config()["credentials"], when)
    assert r.status_code == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in r.text
    assert words in r.text
    assert when.strftime("%Y%m%dT%H%M%SZ") in r.text


def test_awscurl_is_accepted(labsim):
    creds = labsim.config()["credentials"]
    out = subprocess.run(
        [
            str(Path(sys.executable).parent / "awscurl"),
            "--service", "sts", "--region", REGION,
            "--access_key", creds["AccessKeyId"], "--secret_key", creds["SecretAccessKey"],
            "--session_token", creds["SessionToken"],
            "-X", "POST", "-H", "content-type: application/x-www-form-urlencoded",
            "-d", "Action=GetCallerIdentity&Version=2011-06-15",
            labsim.sts + "/",
        ],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert out.returncode == 0, out.stderr
    assert f"<Arn>{ARN}</Arn>" in out.stdout
