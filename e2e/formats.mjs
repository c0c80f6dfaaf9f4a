// Renders one credential set in each format a learner may paste.
export function formats(c, region = 'ap-southeast-1') {
  const { AccessKeyId: id, SecretAccessKey: secret, SessionToken: token, Expiration: exp } = c;
  return {
    'bash/zsh export lines': [
      `export AWS_ACCESS_KEY_ID=${id}`,
      `export AWS_SECRET_ACCESS_KEY=${secret}`,
      `export AWS_SESSION_TOKEN=${token}`,
      `export AWS_CREDENTIAL_EXPIRATION=${exp}`,
      `export AWS_REGION=${region}`,
    ].join('\n'),
    'fish set lines': [
      `set -gx AWS_ACCESS_KEY_ID "${id}"`,
      `set -gx AWS_SECRET_ACCESS_KEY "${secret}"`,
      `set -gx AWS_SESSION_TOKEN "${token}"`,
      `set -gx AWS_CREDENTIAL_EXPIRATION "${exp}"`,
    ].join('\n'),
    'PowerShell $Env: lines': [
      `$Env:AWS_ACCESS_KEY_ID="${id}"`,
      `$Env:AWS_SECRET_ACCESS_KEY="${secret}"`,
      `$Env:AWS_SESSION_TOKEN="${token}"`,
      `$Env:AWS_CREDENTIAL_EXPIRATION="${exp}"`,
    ].join('\r\n'),
    'Windows cmd set lines': [
      `set AWS_ACCESS_KEY_ID=${id}`,
      `set AWS_SECRET_ACCESS_KEY=${secret}`,
      `set AWS_SESSION_TOKEN=${token}`,
      `set AWS_CREDENTIAL_EXPIRATION=${exp}`,
    ].join('\r\n'),
    '~/.aws/credentials profile': [
      '[default]',
      `aws_access_key_id = ${id}`,
      `aws_secret_access_key = ${secret}`,
      `aws_session_token = ${token}`,
      `region = ${region}`,
    ].join('\n'),
    'aws configure export-credentials output': JSON.stringify(
      { Version: 1, AccessKeyId: id, SecretAccessKey: secret, SessionToken: token, Expiration: exp },
      null, 4),
    'aws sts assume-role output': JSON.stringify({
      Credentials: { AccessKeyId: id, SecretAccessKey: secret, SessionToken: token, Expiration: exp.replace('Z', '+00:00') },
      AssumedRoleUser: {
        AssumedRoleId: 'AROA3XFRBF23EXAMPLE:Participant',
        Arn: 'arn:aws:sts::123456789012:assumed-role/WSParticipantRole/Participant',
      },
    }, null, 4),
  };
}
