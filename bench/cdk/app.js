// The stack `deployer synth` renders, as a CDK app: a KMS-encrypted provisioned stream,
// the extension layer from an S3 key passed as a parameter, the managed write policy,
// and the sample function (role, log group, layer, environment). Used only to time
// `cdk synth` against `deployer synth` (see BENCHMARKS.md).
'use strict';

const fs = require('fs');
const path = require('path');
const cdk = require('aws-cdk-lib');
const iam = require('aws-cdk-lib/aws-iam');
const kinesis = require('aws-cdk-lib/aws-kinesis');
const kms = require('aws-cdk-lib/aws-kms');
const lambda = require('aws-cdk-lib/aws-lambda');
const logs = require('aws-cdk-lib/aws-logs');
const s3 = require('aws-cdk-lib/aws-s3');

const app = new cdk.App();
const stack = new cdk.Stack(app, 'telemetry-kinesis', {
  description: 'Lambda telemetry to Kinesis: a stream, the telemetry-kinesis-extension layer (x86_64) and the policy it needs, and a sample function that uses them',
  synthesizer: new cdk.DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
});

const assetsBucket = new cdk.CfnParameter(stack, 'AssetsBucket', {
  type: 'String',
  description: 'S3 bucket that holds the layer zip',
  allowedPattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
});
const layerKey = new cdk.CfnParameter(stack, 'LayerS3Key', {
  type: 'String',
  description: 'Key of the layer zip in AssetsBucket',
  default: 'layers/' + '0'.repeat(64) + '.zip',
  allowedPattern: '^layers/[0-9a-f]{64}\\.zip$',
});

const stream = new kinesis.Stream(stack, 'Stream', {
  streamName: 'telemetry-kinesis-stream',
  shardCount: 1,
  retentionPeriod: cdk.Duration.hours(24),
  encryption: kinesis.StreamEncryption.KMS,
  encryptionKey: kms.Alias.fromAliasName(stack, 'KinesisKey', 'alias/aws/kinesis'),
});

const layer = new lambda.LayerVersion(stack, 'ExtensionLayer', {
  layerVersionName: `${stack.stackName}-telemetry-kinesis-extension`,
  description: 'Lambda extension that sends the function\'s telemetry to Kinesis',
  code: lambda.Code.fromBucket(s3.Bucket.fromBucketName(stack, 'Assets', assetsBucket.valueAsString), layerKey.valueAsString),
  compatibleArchitectures: [lambda.Architecture.X86_64],
  compatibleRuntimes: [lambda.Runtime.PROVIDED_AL2023, lambda.Runtime.PROVIDED_AL2, lambda.Runtime.PYTHON_3_13,
    lambda.Runtime.PYTHON_3_12, lambda.Runtime.PYTHON_3_11, lambda.Runtime.NODEJS_22_X, lambda.Runtime.NODEJS_20_X,
    lambda.Runtime.JAVA_21, lambda.Runtime.JAVA_17, lambda.Runtime.DOTNET_8,
    new lambda.Runtime('ruby3.4', lambda.RuntimeFamily.RUBY), new lambda.Runtime('ruby3.3', lambda.RuntimeFamily.RUBY)],
  license: 'Apache-2.0',
});

const writePolicy = new iam.ManagedPolicy(stack, 'WritePolicy', {
  description: 'Lets the telemetry-kinesis-extension write to the telemetry stream',
  statements: [new iam.PolicyStatement({
    sid: 'PutTelemetryRecords',
    actions: ['kinesis:PutRecord', 'kinesis:PutRecords'],
    resources: [stream.streamArn],
  })],
});

const logGroup = new logs.LogGroup(stack, 'SampleFunctionLogGroup', { retention: logs.RetentionDays.TWO_WEEKS });
const role = new iam.Role(stack, 'SampleFunctionRole', {
  description: 'Execution role of the telemetry sample function',
  assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
  managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaBasicExecutionRole'), writePolicy],
});
const source = fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'sample-function', 'index.py'), 'utf8');
const fn = new lambda.Function(stack, 'SampleFunction', {
  description: 'Sample function whose telemetry goes to the Kinesis stream',
  runtime: lambda.Runtime.PYTHON_3_13,
  handler: 'index.handler',
  code: lambda.Code.fromInline(source),
  role,
  architecture: lambda.Architecture.X86_64,
  layers: [layer],
  memorySize: 128,
  timeout: cdk.Duration.seconds(10),
  environment: {
    TELEMETRY_KINESIS_STREAM_NAME: stream.streamName,
    TELEMETRY_KINESIS_RECORD_FORMAT: 'json',
    TELEMETRY_KINESIS_FLUSH: 'adaptive',
  },
  loggingFormat: lambda.LoggingFormat.TEXT,
  logGroup,
});

const exported = (id, description, value) =>
  new cdk.CfnOutput(stack, id, { description, value, exportName: `${stack.stackName}-${id}` });
exported('StreamName', 'Kinesis stream name', stream.streamName);
exported('StreamArn', 'Kinesis stream ARN', stream.streamArn);
exported('LayerVersionArn', 'Extension layer version ARN', layer.layerVersionArn);
exported('WritePolicyArn', 'Managed policy that lets the extension write to the stream', writePolicy.managedPolicyArn);
exported('FunctionName', 'Sample function name', fn.functionName);

cdk.Annotations.of(stack).acknowledgeWarning('@aws-cdk/aws-lambda:codeFromBucketObjectVersionNotSpecified');

app.synth();
