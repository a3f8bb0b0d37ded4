"""JSON Schemas for the manifests kubernetes-validate has no schema for: Knative, Cloud Run, compose, AWS.

They cover the fields the files in infra/ use, with the types and values the platforms document, and
forbid unknown keys where a typo would silently do nothing (an annotation or field the platform ignores
is exactly the failure a static check must catch). Pod-spec fields inside Knative and Cloud Run
revisions are not described here: the tests validate them against Kubernetes' own PodSpec schema.
"""

from __future__ import annotations

DURATION_ISO8601 = r"^PT(\d+H)?(\d+M)?(\d+(\.\d+)?S)?$"  # Knative delivery durations (PT1S, PT900S)
GO_DURATION = r"^\d+(\.\d+)?(ms|s|m|h)$"  # Knative annotations take Go durations (10m, 1200s)
INT_STRING = r"^[0-9]+$"

_name = {"type": "string", "pattern": r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "maxLength": 63}
_metadata = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": _name,
        "namespace": _name,
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "additionalProperties": False,
}

def _resource(api_version: str, kind: str, spec: dict, spec_required: bool = True, metadata: dict = _metadata) -> dict:
    """A Kubernetes-style object of one apiVersion and kind: metadata plus `spec`, nothing else."""
    return {
        "type": "object",
        "required": ["apiVersion", "kind", "metadata"] + (["spec"] if spec_required else []),
        "properties": {
            "apiVersion": {"const": api_version},
            "kind": {"const": kind},
            "metadata": metadata,
            "spec": spec,
        },
        "additionalProperties": False,
    }


# Annotations of a Knative revision template this project uses, with Knative's value formats.
_knative_revision_annotations = {
    "type": "object",
    "properties": {
        "autoscaling.knative.dev/min-scale": {"type": "string", "pattern": INT_STRING},
        "autoscaling.knative.dev/max-scale": {"type": "string", "pattern": INT_STRING},
        "autoscaling.knative.dev/initial-scale": {"type": "string", "pattern": INT_STRING},
        "autoscaling.knative.dev/scale-to-zero-pod-retention-period": {"type": "string", "pattern": GO_DURATION},
        "autoscaling.knative.dev/metric": {"enum": ["concurrency", "rps"]},
        "autoscaling.knative.dev/target": {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?$"},
        "autoscaling.knative.dev/target-utilization-percentage": {"type": "string", "pattern": INT_STRING},
        "serving.knative.dev/progress-deadline": {"type": "string", "pattern": GO_DURATION},
    },
    "additionalProperties": False,
}

_revision_spec_knative_fields = {
    "containerConcurrency": {"type": "integer", "minimum": 0, "maximum": 1000},
    "timeoutSeconds": {"type": "integer", "minimum": 1},
    "responseStartTimeoutSeconds": {"type": "integer", "minimum": 1},
    "idleTimeoutSeconds": {"type": "integer", "minimum": 1},
}

KNATIVE_SERVICE = _resource(
    "serving.knative.dev/v1", "Service",
    metadata={
        **_metadata,
        "properties": {
            **_metadata["properties"],
            "labels": {
                "type": "object",
                "properties": {"networking.knative.dev/visibility": {"const": "cluster-local"}},
                "additionalProperties": {"type": "string"},
            },
        },
    },
    spec={
        "type": "object",
        "required": ["template"],
        "properties": {
            "template": {
                "type": "object",
                "required": ["spec"],
                "properties": {
                    "metadata": {
                        "type": "object",
                        "properties": {
                            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                            "annotations": _knative_revision_annotations,
                        },
                        "additionalProperties": False,
                    },
                    "spec": {
                        "type": "object",
                        "required": ["containers"],
                        "properties": _revision_spec_knative_fields,  # the rest: Kubernetes' PodSpec
                    },
                },
                "additionalProperties": False,
            },
        },
        "additionalProperties": False,
    },
)

# Cloud Run's Admin API v1 (a Knative-shaped Service) with the annotations and fields Cloud Run reads.
CLOUD_RUN_SERVICE = _resource(
    "serving.knative.dev/v1", "Service",
    metadata={
        **_metadata,
        "properties": {
            **_metadata["properties"],
            "labels": {
                "type": "object",
                "required": ["cloud.googleapis.com/location"],
                "additionalProperties": {"type": "string"},
            },
            "annotations": {
                "type": "object",
                "properties": {
                    "run.googleapis.com/ingress": {"enum": ["all", "internal", "internal-and-cloud-load-balancing"]},
                    "run.googleapis.com/launch-stage": {"enum": ["ALPHA", "BETA", "GA"]},
                },
                "additionalProperties": False,
            },
        },
    },
    spec={
        "type": "object",
        "required": ["template"],
        "properties": {
            "template": {
                "type": "object",
                "required": ["metadata", "spec"],
                "properties": {
                    "metadata": {
                        "type": "object",
                        "required": ["annotations"],
                        "properties": {
                            "annotations": {
                                "type": "object",
                                "required": ["autoscaling.knative.dev/minScale",
                                             "run.googleapis.com/cpu-throttling"],
                                "properties": {
                                    "autoscaling.knative.dev/minScale": {"type": "string", "pattern": INT_STRING},
                                    "autoscaling.knative.dev/maxScale": {"type": "string", "pattern": INT_STRING},
                                    "run.googleapis.com/cpu-throttling": {"enum": ["true", "false"]},
                                    "run.googleapis.com/startup-cpu-boost": {"enum": ["true", "false"]},
                                    "run.googleapis.com/execution-environment": {"enum": ["gen1", "gen2"]},
                                    "run.googleapis.com/gpu-zonal-redundancy-disabled": {"enum": ["true", "false"]},
                                },
                                "additionalProperties": False,
                            },
                        },
                        "additionalProperties": False,
                    },
                    "spec": {
                        "type": "object",
                        "required": ["containers", "nodeSelector"],
                        "properties": {
                            "containerConcurrency": {"type": "integer", "minimum": 1, "maximum": 1000},
                            "timeoutSeconds": {"type": "integer", "minimum": 1, "maximum": 3600},
                            "serviceAccountName": {"type": "string"},
                            "nodeSelector": {
                                "type": "object",
                                "properties": {
                                    "run.googleapis.com/accelerator": {
                                        "enum": ["nvidia-l4", "nvidia-rtx-pro-6000"]},
                                },
                                "required": ["run.googleapis.com/accelerator"],
                                "additionalProperties": False,
                            },
                        },
                    },
                },
                "additionalProperties": False,
            },
        },
        "additionalProperties": False,
    },
)

_kref = {
    "type": "object",
    "required": ["apiVersion", "kind", "name"],
    "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"}, "name": _name,
                   "namespace": _name},
    "additionalProperties": False,
}
_destination = {
    "type": "object",
    "properties": {"ref": _kref, "uri": {"type": "string"}},
    "anyOf": [{"required": ["ref"]}, {"required": ["uri"]}],
    "additionalProperties": False,
}


_delivery = {
    "type": "object",
    "properties": {
        "retry": {"type": "integer", "minimum": 0},
        "backoffPolicy": {"enum": ["linear", "exponential"]},
        "backoffDelay": {"type": "string", "pattern": DURATION_ISO8601},
        "timeout": {"type": "string", "pattern": DURATION_ISO8601},
        "deadLetterSink": _destination,
    },
    "additionalProperties": False,
}

BROKER = _resource("eventing.knative.dev/v1", "Broker",
                   {"type": "object", "properties": {"delivery": _delivery}, "additionalProperties": False},
                   spec_required=False)

TRIGGER = _resource("eventing.knative.dev/v1", "Trigger", {
        "type": "object",
        "required": ["broker", "subscriber"],
        "properties": {
            "broker": _name,
            "filter": {"type": "object", "properties": {
                "attributes": {"type": "object", "additionalProperties": {"type": "string"}}},
                "additionalProperties": False},
            "subscriber": _destination,
            "delivery": {**_delivery, "required": ["retry", "deadLetterSink"]},
        },
        "additionalProperties": False,
    })

PING_SOURCE = _resource("sources.knative.dev/v1", "PingSource", {
        "type": "object",
        "required": ["schedule", "sink"],
        "properties": {
            "schedule": {"type": "string", "pattern": r"^(\S+\s+){4}\S+$"},  # five cron fields
            "timezone": {"type": "string"},
            "contentType": {"type": "string"},
            "data": {"type": "string"},
            "sink": _destination,
        },
        "additionalProperties": False,
    })

INTEGRATION_SOURCE_SQS = _resource("sources.knative.dev/v1alpha1", "IntegrationSource", {
        "type": "object",
        "required": ["aws", "sink"],
        "properties": {
            "aws": {
                "type": "object",
                "required": ["sqs", "auth"],
                "properties": {
                    "sqs": {
                        "type": "object",
                        "required": ["arn", "region"],
                        "properties": {"arn": {"type": "string", "pattern": r"^arn:aws:sqs:[a-z0-9-]+:\d{12}:[\w-]+$"},
                                       "region": {"type": "string", "pattern": r"^[a-z]{2}-[a-z]+-\d$"}},
                        "additionalProperties": False,
                    },
                    "auth": {
                        "type": "object",
                        "properties": {
                            "secret": {"type": "object", "required": ["ref"], "properties": {
                                "ref": {"type": "object", "required": ["name"], "properties": {"name": _name},
                                        "additionalProperties": False}}, "additionalProperties": False},
                            "serviceAccountName": _name,
                        },
                        "additionalProperties": False,
                    },
                },
                "additionalProperties": False,
            },
            "sink": _destination,
        },
        "additionalProperties": False,
    })

# A `kubectl patch --type merge` body for a Knative config map: data only, string values.
CONFIGMAP_MERGE_PATCH = {
    "type": "object",
    "required": ["data"],
    "properties": {"data": {"type": "object", "minProperties": 1, "additionalProperties": {"type": "string"}}},
    "additionalProperties": False,
}

# The compose-spec fields compose.yaml uses (https://github.com/compose-spec/compose-spec).
_string_list = {"type": "array", "items": {"type": "string"}}
COMPOSE = {
    "type": "object",
    "required": ["services"],
    "properties": {
        "name": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9_-]*$"},
        "services": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {
                "type": "object",
                "anyOf": [{"required": ["image"]}, {"required": ["build"]}],
                "properties": {
                    "image": {"type": "string"},
                    "build": {"type": "object", "required": ["context"], "properties": {
                        "context": {"type": "string"}, "dockerfile": {"type": "string"},
                        "args": {"type": "object", "additionalProperties": {"type": "string"}}},
                        "additionalProperties": False},
                    "command": {"oneOf": [{"type": "string"}, _string_list]},
                    "entrypoint": {"oneOf": [{"type": "string"}, _string_list]},
                    "working_dir": {"type": "string"},
                    "environment": {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}},
                    "depends_on": _string_list,
                    "ports": {"type": "array", "items": {"type": "string", "pattern": r"^([\d.]+:)?\d+:\d+$"}},
                    "volumes": {"type": "array", "items": {"type": "string", "pattern": r"^[^:]+:/[^:]*(:(ro|rw))?$"}},
                    "tmpfs": _string_list,
                    "read_only": {"type": "boolean"},
                    "restart": {"enum": ["no", "always", "on-failure", "unless-stopped"]},
                },
                "additionalProperties": False,
            },
        },
        "volumes": {"type": "object", "additionalProperties": {"type": ["object", "null"]}},
    },
    "additionalProperties": False,
}

# put-bucket-notification-configuration input (S3 API NotificationConfiguration), queue targets only.
S3_NOTIFICATION = {
    "type": "object",
    "required": ["QueueConfigurations"],
    "properties": {
        "QueueConfigurations": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["QueueArn", "Events"],
                "properties": {
                    "Id": {"type": "string"},
                    "QueueArn": {"type": "string", "pattern": r"^arn:aws:sqs:[a-z0-9-]+:\d{12}:[\w-]+$"},
                    "Events": {"type": "array", "minItems": 1,
                               "items": {"type": "string", "pattern": r"^s3:ObjectCreated:(\*|Put|Post|Copy|CompleteMultipartUpload)$"}},
                    "Filter": {"type": "object", "required": ["Key"], "properties": {"Key": {
                        "type": "object", "required": ["FilterRules"], "properties": {"FilterRules": {
                            "type": "array", "maxItems": 2, "items": {
                                "type": "object", "required": ["Name", "Value"],
                                "properties": {"Name": {"enum": ["prefix", "suffix"]}, "Value": {"type": "string"}},
                                "additionalProperties": False}}},
                        "additionalProperties": False}}, "additionalProperties": False},
                },
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}

# An IAM policy document (identity or resource policy).
IAM_POLICY = {
    "type": "object",
    "required": ["Version", "Statement"],
    "properties": {
        "Version": {"const": "2012-10-17"},
        "Statement": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["Effect", "Action", "Resource"],
                "properties": {
                    "Sid": {"type": "string", "pattern": r"^[A-Za-z0-9]+$"},
                    "Effect": {"enum": ["Allow", "Deny"]},
                    "Principal": {"type": "object"},
                    "Action": {"oneOf": [{"type": "string"}, _string_list]},
                    "Resource": {"oneOf": [{"type": "string"}, _string_list]},
                    "Condition": {"type": "object"},
                },
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}
