// The script of the test page in tests/aws-sdk-cors.test.mjs: the AWS SDK for
// JavaScript v3 clients, bundled by esbuild as a browser app would bundle
// them, making from a page of another origin the calls labmate makes.
// Each function returns plain data (what the SDK gave the page) for the
// test to check; every header listed is one the browser let the page read.
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import {
  DynamoDBClient, DescribeTableCommand, UpdateItemCommand, GetItemCommand, ScanCommand,
  DeleteItemCommand, DeleteTableCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBStreamsClient, DescribeStreamCommand, GetShardIteratorCommand, GetRecordsCommand,
} from '@aws-sdk/client-dynamodb-streams';
import {
  LambdaClient, GetFunctionConfigurationCommand, ListEventSourceMappingsCommand,
} from '@aws-sdk/client-lambda';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  IAMClient, GetRoleCommand, ListRolePoliciesCommand, GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
} from '@aws-sdk/client-iam';

const FUNCTION = 'sync-data-with-dynamodb-stream';
const LOG_GROUP = `/aws/lambda/${FUNCTION}`;
const ROLE = 'lambda-lab-role';
// IAM is global and signed for us-east-1 (aws-behaviour.md §7).
const IAM_REGION = 'us-east-1';

const CLIENTS = {
  sts: STSClient,
  dynamodb: DynamoDBClient,
  streams: DynamoDBStreamsClient,
  lambda: LambdaClient,
  logs: CloudWatchLogsClient,
  iam: IAMClient,
};

/**
 * A client of `service` at labsim's endpoint, signing with `credentials`
 * (labsim's JSON shape). Every raw answer's status and readable headers
 * are pushed to `answers`, failed ones included.
 */
function client(service, lab, credentials, answers, { maxAttempts = 1 } = {}) {
  const c = new CLIENTS[service]({
    region: service === 'iam' ? IAM_REGION : lab.region,
    endpoint: lab.endpoints[service],
    credentials: {
      accessKeyId: credentials.AccessKeyId,
      secretAccessKey: credentials.SecretAccessKey,
      sessionToken: credentials.SessionToken,
    },
    maxAttempts,
  });
  // Inside the deserializer (low priority in its step), so it sees the
  // HTTP answer before any error is made of it.
  c.middlewareStack.add((next) => async (args) => {
    const out = await next(args);
    answers.push({ service, status: out.response.statusCode, headers: { ...out.response.headers } });
    return out;
  }, { step: 'deserialize', priority: 'low', name: 'labRawAnswer' });
  return c;
}

function metadata(output) {
  return { requestId: output.$metadata.requestId, httpStatusCode: output.$metadata.httpStatusCode };
}

/** What a failed call gave the page: the SDK's typed error, or the network failure. */
function failure(err) {
  return {
    name: err.name,
    message: err.message,
    isTypeError: err instanceof TypeError,
    httpStatusCode: err.$metadata?.httpStatusCode ?? null,
    requestId: err.$metadata?.requestId ?? null,
    fault: err.$fault ?? null,
  };
}

/** Every call labmate makes to STS, DynamoDB, Streams, Lambda and Logs. */
async function callsLabmateMakes(lab) {
  const answers = [];
  const calls = [];
  const make = (service) => client(service, lab, lab.credentials, answers);
  const [sts, ddb, streams, lambda, logs] = ['sts', 'dynamodb', 'streams', 'lambda', 'logs'].map(make);
  const record = async (operation, c, command) => {
    const output = await c.send(command);
    calls.push({ operation, ...metadata(output) });
    return output;
  };
  const who = await record('GetCallerIdentity', sts, new GetCallerIdentityCommand({}));
  const { Table } = await record('DescribeTable', ddb, new DescribeTableCommand({ TableName: 'lab-table' }));
  const Key = { id: { S: 'from-the-browser' } };
  await record('UpdateItem', ddb, new UpdateItemCommand({
    TableName: 'lab-table', Key, UpdateExpression: 'SET #n = :n',
    ExpressionAttributeNames: { '#n': 'name' }, ExpressionAttributeValues: { ':n': { S: 'Page' } },
  }));
  const got = await record('GetItem', ddb, new GetItemCommand({ TableName: 'lab-table', Key }));
  const scan = await record('Scan', ddb, new ScanCommand({ TableName: 'lab-table' }));
  await record('DeleteItem', ddb, new DeleteItemCommand({ TableName: 'lab-table', Key }));
  const { StreamDescription } = await record('DescribeStream', streams,
    new DescribeStreamCommand({ StreamArn: Table.LatestStreamArn }));
  const { ShardIterator } = await record('GetShardIterator', streams, new GetShardIteratorCommand({
    StreamArn: StreamDescription.StreamArn, ShardId: StreamDescription.Shards[0].ShardId,
    ShardIteratorType: 'TRIM_HORIZON',
  }));
  const records = await record('GetRecords', streams, new GetRecordsCommand({ ShardIterator }));
  const fn = await record('GetFunctionConfiguration', lambda,
    new GetFunctionConfigurationCommand({ FunctionName: FUNCTION }));
  const mappings = await record('ListEventSourceMappings', lambda,
    new ListEventSourceMappingsCommand({ FunctionName: FUNCTION }));
  const events = await record('FilterLogEvents', logs, new FilterLogEventsCommand({ logGroupName: LOG_GROUP }));
  return {
    calls,
    answers,
    seen: {
      arn: who.Arn,
      itemName: got.Item?.name?.S ?? null,
      scanned: scan.Count,
      eventNames: records.Records.map((r) => r.eventName),
      functionName: fn.FunctionName,
      mappings: mappings.EventSourceMappings.length,
      logEvents: events.events.length,
    },
  };
}

/** IAM reads of the lab's role (aws-behaviour.md §7). */
async function iamCalls(lab) {
  const answers = [];
  const iam = client('iam', lab, lab.credentials, answers);
  const calls = [];
  const record = async (operation, command) => {
    const output = await iam.send(command);
    calls.push({ operation, ...metadata(output) });
    return output;
  };
  const role = await record('GetRole', new GetRoleCommand({ RoleName: ROLE }));
  const inline = await record('ListRolePolicies', new ListRolePoliciesCommand({ RoleName: ROLE }));
  for (const PolicyName of inline.PolicyNames) {
    await record('GetRolePolicy', new GetRolePolicyCommand({ RoleName: ROLE, PolicyName }));
  }
  await record('ListAttachedRolePolicies', new ListAttachedRolePoliciesCommand({ RoleName: ROLE }));
  return { calls, answers, roleName: role.Role.RoleName };
}

/** The refused calls, each by name, with the credentials it is made with. */
const REFUSED = {
  // The learner may not delete the table: IAM refuses.
  deleteTable: (c) => c('dynamodb').send(new DeleteTableCommand({ TableName: 'lab-table' })),
  getItem: (c) => c('dynamodb').send(new GetItemCommand({ TableName: 'lab-table', Key: { id: { S: 'x' } } })),
  getCallerIdentity: (c) => c('sts').send(new GetCallerIdentityCommand({})),
  missingFunction: (c) => c('lambda').send(new GetFunctionConfigurationCommand({ FunctionName: 'no-such-function' })),
  missingLogGroup: (c) => c('logs').send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/no-such-function' })),
  filterLogEvents: (c) => c('logs').send(new FilterLogEventsCommand({ logGroupName: LOG_GROUP })),
  getRole: (c) => c('iam').send(new GetRoleCommand({ RoleName: ROLE })),
};

/** Makes the refused call `name`; what reached the page. */
async function refused(lab, name, credentials = lab.credentials) {
  const answers = [];
  const make = (service) => client(service, lab, credentials, answers);
  try {
    const output = await REFUSED[name](make);
    return { succeeded: true, ...metadata(output), answers };
  } catch (err) {
    return { succeeded: false, error: failure(err), answers };
  }
}

/** A plain fetch from the page; what reached it. */
async function plainFetch(url, init) {
  try {
    const r = await fetch(url, init);
    return { status: r.status, headers: Object.fromEntries(r.headers), body: await r.text() };
  } catch (err) {
    return { error: failure(err) };
  }
}

window.labSdk = { callsLabmateMakes, iamCalls, refused, plainFetch };
document.title = 'sdk ready';
