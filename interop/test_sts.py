"""STS as boto3/botocore and requests-aws4auth see it: accepted when right,
refused with AWS's error shape when the signature, token or clock is wrong."""
import pytest
import requests

from conftest import CALLER, EXPIRED_TOKEN, SIGNATURE_MISMATCH, amz_date, awscurl, aws4auth, client_for, error_of, tamper_signatures, utc_now


def test_boto3_gets_the_caller_identity(labsim):
    ident = client_for(labsim, "sts").get_caller_identity()
    assert ident["Account"] == "123456789012"
    assert ident["Arn"] == CALLER
    assert ident["UserId"].startswith("AROA") and ident["UserId"].endswith(":Participant")


def test_tampered_signature_is_refused(labsim):
    client = tamper_signatures(client_for(labsim, "sts"))
    resp = error_of(client.get_caller_identity)
    assert resp["Error"]["Code"] == "SignatureDoesNotMatch"
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert resp["Error"]["Message"].startswith(SIGNATURE_MISMATCH)


def test_wrong_secret_is_refused(labsim):
    creds = dict(labsim.config()["credentials"])
    creds["SecretAccessKey"] = creds["SecretAccessKey"][::-1]
    resp = error_of(client_for(labsim, "sts", creds).get_caller_identity)
    assert resp["Error"]["Code"] == "SignatureDoesNotMatch"


def test_expired_token_is_refused(labsim):
    resp = error_of(client_for(labsim, "sts", labsim.mint(-60)).get_caller_identity)
    assert resp["Error"]["Code"] == "ExpiredToken"
    assert resp["Error"]["Message"] == EXPIRED_TOKEN
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_unknown_key_is_refused(labsim):
    creds = dict(labsim.config()["credentials"])
    creds["AccessKeyId"] = "ASIAZZZZZZZZZZZZZZZZ"
    resp = error_of(client_for(labsim, "sts", creds).get_caller_identity)
    assert resp["Error"]["Code"] == "InvalidClientTokenId"


def test_wrong_region_in_scope_is_refused(labsim):
    resp = error_of(client_for(labsim, "sts", region="eu-west-1").get_caller_identity)
    assert resp["Error"]["Code"] == "SignatureDoesNotMatch"
    assert "Credential should be scoped to a valid region" in resp["Error"]["Message"]


@pytest.mark.parametrize("who", ["demo", "assumed role"])
def test_get_session_token_refuses_session_credentials_as_aws_does(labsim, who):
    creds = labsim.config()["credentials"]
    if who == "assumed role":
        admin = labsim.mint(3600, policy={
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
        })
        assumed = client_for(labsim, "sts", admin).assume_role(
            RoleArn="arn:aws:iam::123456789012:role/lambda-lab-role", RoleSessionName="interop",
        )["Credentials"]
        creds = {k: assumed[k] for k in ("AccessKeyId", "SecretAccessKey", "SessionToken")}
    resp = error_of(lambda: client_for(labsim, "sts", creds).get_session_token(DurationSeconds=900))
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert resp["Error"]["Code"] == "AccessDenied"
    assert resp["Error"]["Message"] == "Cannot call GetSessionToken with session credentials"


def aws4auth_post(labsim, creds, when):
    return requests.post(
        labsim.sts + "/",
        data="Action=GetCallerIdentity&Version=2011-06-15",
        headers={"content-type": "application/x-www-form-urlencoded", "x-amz-date": amz_date(when)},
        auth=aws4auth(creds, "sts"),
        timeout=10,
    )


def test_requests_aws4auth_is_accepted_now(labsim):
    r = aws4auth_post(labsim, labsim.config()["credentials"], utc_now())
    assert r.status_code == 200, r.text
    assert f"<Arn>{CALLER}</Arn>" in r.text


@pytest.mark.parametrize("minutes, words", [(-6, "Signature expired:"), (6, "Signature not yet current:")])
def test_clock_skew_of_six_minutes_is_refused_with_awss_words(labsim, minutes, words):
    when = utc_now(minutes * 60)
    r = aws4auth_post(labsim, labsim.config()["credentials"], when)
    assert r.status_code == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in r.text
    assert words in r.text
    assert amz_date(when) in r.text


def test_awscurl_is_accepted(labsim):
    status, body = awscurl(
        labsim.config()["credentials"], "sts", labsim.sts + "/",
        "-X", "POST", "-H", "content-type: application/x-www-form-urlencoded",
        "-d", "Action=GetCallerIdentity&Version=2011-06-15",
    )
    assert status == 200, body
    assert f"<Arn>{CALLER}</Arn>" in body
