"""Every manifest in infra/ parses and validates offline, and agrees with the function and the image.

Core Kubernetes kinds are checked by kubernetes-validate (strict: unknown fields fail). Knative, Cloud
Run, compose and AWS documents by infra_schemas; the pod spec inside a Knative or Cloud Run revision by
Kubernetes' own PodSpec schema. Then the cross-file facts a schema cannot see: concurrency sized from the
function's queue, probes on the function's routes, ports, users and volumes as the image has them, and
names that reference each other.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jsonschema
import kubernetes_validate
import pytest
import yaml
from PIL import Image

import infra_schemas as schemas
from infra_files import (COMPOSE, INFRA, ROOT, env_of, image_port, image_user, image_volumes, knative_containers,
                         manifest_files, routes, setting_defaults, unknown_env, yaml_docs)
from sam3fn.triggers import FAILED

K8S_VERSION = "1.32"  # a version every supported managed Kubernetes offers; strict schemas of it are bundled
CORE_KINDS = {("v1", "ConfigMap"), ("v1", "Secret"), ("batch/v1", "CronJob")}
KNATIVE_FIELDS = set(schemas._revision_spec_knative_fields)
IMAGE_PLACEHOLDER = "registry.example.com/sam3fn:gpu"


def _doc(path: str, kind: str | None = None) -> dict:
    docs = yaml_docs(INFRA / path)
    return next(d for d in docs if kind is None or d["kind"] == kind)


KNATIVE = INFRA / "knative" / "service.yaml"
CLOUD_RUN = INFRA / "cloudrun" / "service.yaml"


def schema_for(path: Path, doc: dict) -> dict | None:
    if path.parent.name == "patches":
        return schemas.CONFIGMAP_MERGE_PATCH
    if (doc.get("apiVersion"), doc.get("kind")) == ("serving.knative.dev/v1", "Service"):
        return schemas.CLOUD_RUN_SERVICE if path.parent.name == "cloudrun" else schemas.KNATIVE_SERVICE
    return {
        ("eventing.knative.dev/v1", "Broker"): schemas.BROKER,
        ("eventing.knative.dev/v1", "Trigger"): schemas.TRIGGER,
        ("sources.knative.dev/v1", "PingSource"): schemas.PING_SOURCE,
        ("sources.knative.dev/v1alpha1", "IntegrationSource"): schemas.INTEGRATION_SOURCE_SQS,
    }.get((doc.get("apiVersion"), doc.get("kind")))


def validate_pod_spec(pod_spec: dict) -> None:
    """A revision's pod spec, minus Knative's own fields, against Kubernetes' PodSpec (strict)."""
    spec = {k: v for k, v in pod_spec.items() if k not in KNATIVE_FIELDS}
    kubernetes_validate.validate({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "revision"}, "spec": spec},
                                 K8S_VERSION, strict=True)


# Kubernetes' resource.Quantity, which the JSON schema leaves as any string or number.
QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")


def check_quantities(node) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "resources" and isinstance(value, dict):
                for amounts in value.values():
                    for name, amount in amounts.items():
                        if not QUANTITY.match(str(amount)):
                            raise jsonschema.ValidationError(f"{name}: {amount!r} is not a Kubernetes quantity")
            else:
                check_quantities(value)
    elif isinstance(node, list):
        for item in node:
            check_quantities(item)


def validate(path: Path, doc: dict) -> None:
    """Raise if `doc` is not valid; every document must have a validator."""
    check_quantities(doc)
    if (doc.get("apiVersion"), doc.get("kind")) in CORE_KINDS:
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
        return
    schema = schema_for(path, doc)
    if schema is None:
        raise AssertionError(f"{path}: no validator for {doc.get('apiVersion')} {doc.get('kind')}")
    jsonschema.validate(doc, schema)
    if doc.get("kind") == "Service":
        validate_pod_spec(doc["spec"]["template"]["spec"])


@pytest.mark.parametrize("path", manifest_files(), ids=lambda p: str(p.relative_to(INFRA)))
def test_manifest_parses_and_validates(path):
    docs = yaml_docs(path)
    assert docs, f"{path} holds no document"
    for doc in docs:
        validate(path, doc)


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["spec"]["template"]["metadata"]["annotations"].update({"autoscaling.knative.dev/minScale": "0"}),
     "a misspelt annotation"),
    (lambda d: d["spec"]["template"]["spec"]["containers"][0].update({"startupProbes": {}}), "a misspelt container field"),
    (lambda d: d["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"].update({"memory": "lots"}),
     "a bad quantity"),
    (lambda d: d["spec"]["template"]["spec"].update({"containerConcurrency": "9"}), "a string concurrency"),
    (lambda d: d["spec"]["template"]["metadata"]["annotations"].update({"serving.knative.dev/progress-deadline": "20 min"}),
     "a bad duration"),
])
def test_validation_rejects_broken_knative_services(mutate, message):
    doc = copy.deepcopy(_doc("knative/service.yaml"))
    mutate(doc)
    with pytest.raises((jsonschema.ValidationError, kubernetes_validate.ValidationError)):
        validate(KNATIVE, doc)


def test_validation_rejects_an_unknown_kind():
    with pytest.raises(AssertionError, match="no validator"):
        validate(INFRA / "knative" / "x.yaml", {"apiVersion": "example.com/v1", "kind": "Widget"})


# -- sized from the function -----------------------------------------------------------------------------
@pytest.mark.parametrize("path", [KNATIVE, CLOUD_RUN], ids=["knative", "cloudrun"])
def test_concurrency_is_the_function_capacity(path):
    doc = yaml_docs(path)[0]
    spec = doc["spec"]["template"]["spec"]
    (container,) = knative_containers(doc)
    depth = int(env_of(container).get("SAM3FN_QUEUE_DEPTH") or setting_defaults().queue_depth)
    # One running on the inference worker plus `depth` waiting: more would be refused with 503.
    assert spec["containerConcurrency"] == depth + 1
    annotations = doc["spec"]["template"]["metadata"]["annotations"]
    target = annotations.get("autoscaling.knative.dev/target")
    if target is not None:
        assert 1 <= float(target) < spec["containerConcurrency"], "scale out before a pod's queue is full"


@pytest.mark.parametrize("path", [KNATIVE, CLOUD_RUN], ids=["knative", "cloudrun"])
def test_scales_to_zero_on_one_gpu(path):
    doc = yaml_docs(path)[0]
    annotations = doc["spec"]["template"]["metadata"]["annotations"]
    assert annotations.get("autoscaling.knative.dev/min-scale", annotations.get("autoscaling.knative.dev/minScale")) == "0"
    (container,) = knative_containers(doc)
    assert container["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert container["image"] == IMAGE_PLACEHOLDER, "one placeholder, so one sed replaces it everywhere"


def test_cloud_run_runs_on_an_l4_with_cpu_always_allocated():
    doc = yaml_docs(CLOUD_RUN)[0]
    assert doc["spec"]["template"]["spec"]["nodeSelector"]["run.googleapis.com/accelerator"] == "nvidia-l4"
    assert doc["spec"]["template"]["metadata"]["annotations"]["run.googleapis.com/cpu-throttling"] == "false"
    limits = knative_containers(doc)[0]["resources"]["limits"]
    assert int(limits["cpu"]) >= 4 and int(limits["memory"].removesuffix("Gi")) >= 16  # Cloud Run's GPU minimum


def _window(probe: dict) -> int:
    return probe.get("initialDelaySeconds", 0) + probe.get("periodSeconds", 10) * probe.get("failureThreshold", 3)


def _seconds(duration: str) -> float:
    number, unit = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m|h)", duration).groups()
    return float(number) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]


def test_startup_allows_a_gpu_cold_start_within_the_progress_deadline():
    doc = yaml_docs(KNATIVE)[0]
    (container,) = knative_containers(doc)
    window = _window(container["startupProbe"])
    deadline = _seconds(doc["spec"]["template"]["metadata"]["annotations"]["serving.knative.dev/progress-deadline"])
    measured = json.loads(max((INFRA / "results").glob("image-check-*.json")).read_text())
    cpu_cold = max(measured["run_a"]["cold_start_seconds"], measured["run_b"]["cold_start_seconds"])
    # A GPU pod adds node scale-up, a ~10 GB pull and 3.4 GB of weights to what the CPU image measured:
    # 10 minutes of probing at least, and the deadline beyond that, or Knative fails a revision that works.
    assert window >= max(600, 10 * cpu_cold)
    assert deadline > window
    assert _window(knative_containers(yaml_docs(CLOUD_RUN)[0])[0]["startupProbe"]) >= 600


def test_request_timeout_fits_batch_work_and_the_cluster_ceiling():
    timeout = yaml_docs(KNATIVE)[0]["spec"]["template"]["spec"]["timeoutSeconds"]
    ceiling = int(yaml_docs(INFRA / "knative/patches/config-defaults.yaml")[0]["data"]["max-revision-timeout-seconds"])
    assert 600 < timeout <= ceiling
    trigger = _doc("knative/eventing/trigger.yaml")
    assert trigger["spec"]["delivery"]["timeout"] == f"PT{timeout}S", "the trigger waits as long as the service"


@pytest.mark.parametrize("path", [KNATIVE, CLOUD_RUN], ids=["knative", "cloudrun"])
def test_probes_and_port_match_the_function_and_the_image(path):
    (container,) = knative_containers(yaml_docs(path)[0])
    assert [p["containerPort"] for p in container["ports"]] == [image_port()]
    probes = {k: v for k, v in container.items() if k.endswith("Probe")}
    assert probes["startupProbe"]["httpGet"]["path"] == "/readyz"
    for probe in probes.values():
        assert probe["httpGet"]["path"] in routes() and "GET" in routes()[probe["httpGet"]["path"]]
        assert probe["httpGet"]["port"] == image_port()


def test_knative_runs_the_image_as_its_user_on_a_read_only_root():
    doc = yaml_docs(KNATIVE)[0]
    (container,) = knative_containers(doc)
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True and security["runAsNonRoot"] is True
    assert security["runAsUser"] == image_user()
    volumes = {v["name"]: v for v in doc["spec"]["template"]["spec"]["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    assert set(mounts) == image_volumes(), "exactly the image's writable places are mounted"
    assert all("emptyDir" in volumes[name] for name in mounts.values())
    features = yaml_docs(INFRA / "knative/patches/config-features.yaml")[0]["data"]
    assert features["kubernetes.podspec-emptydir"] == "enabled"
    assert features["kubernetes.podspec-tolerations"] == "enabled" or "tolerations" not in doc["spec"]["template"]["spec"]


# -- the environment the function gets ---------------------------------------------------------------------
def test_every_variable_the_deployments_set_is_one_the_function_reads():
    names = set(yaml_docs(INFRA / "knative/config.yaml")[0]["data"])
    names |= set(yaml_docs(INFRA / "knative/secrets.example.yaml")[0]["stringData"])
    for path in (KNATIVE, CLOUD_RUN):
        names |= set(env_of(knative_containers(yaml_docs(path)[0])[0]))
    names |= set(yaml.safe_load(COMPOSE.read_text())["services"]["sam3fn"]["environment"])
    assert unknown_env(names) == []


def test_knative_service_takes_its_settings_from_the_config_map_and_secret_defined_here():
    (container,) = knative_containers(yaml_docs(KNATIVE)[0])
    refs = {next(iter(ref)): ref[next(iter(ref))]["name"] for ref in container["envFrom"]}
    assert refs == {"configMapRef": yaml_docs(INFRA / "knative/config.yaml")[0]["metadata"]["name"],
                    "secretRef": yaml_docs(INFRA / "knative/secrets.example.yaml")[0]["metadata"]["name"]}


def test_sweep_cronjob_calls_the_sweep_route_with_the_events_token_from_the_secret():
    job = _doc("knative/sweep-cronjob.yaml")
    (container,) = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    token = next(e for e in container["env"] if e["name"] == "SAM3FN_EVENTS_TOKEN")["valueFrom"]["secretKeyRef"]
    secret = yaml_docs(INFRA / "knative/secrets.example.yaml")[0]
    assert token["name"] == secret["metadata"]["name"] and token["key"] in secret["stringData"]
    script = " ".join(container["command"])
    assert "Authorization: Bearer $SAM3FN_EVENTS_TOKEN" in script
    url = re.search(r'"(http://[^"]+)"', script).group(1)
    assert urlsplit(url).path in routes() and "POST" in routes()[urlsplit(url).path]
    assert url.startswith(f"http://{_doc('knative/service.yaml')['metadata']['name']}.")
    timeout = _doc("knative/service.yaml")["spec"]["template"]["spec"]["timeoutSeconds"]
    assert job["spec"]["jobTemplate"]["spec"]["activeDeadlineSeconds"] > timeout


# -- Knative Eventing ------------------------------------------------------------------------------------
def test_eventing_chain_references_resources_defined_here():
    service = _doc("knative/service.yaml")["metadata"]["name"]
    broker = _doc("knative/eventing/broker.yaml")["metadata"]["name"]
    trigger = _doc("knative/eventing/trigger.yaml")
    dead = _doc("knative/eventing/dead-letters.yaml")["metadata"]["name"]
    assert trigger["spec"]["broker"] == broker
    assert trigger["spec"]["subscriber"]["ref"]["name"] == service
    assert trigger["spec"]["subscriber"]["uri"] == "/v1/events" and "POST" in routes()["/v1/events"]
    assert trigger["spec"]["delivery"]["deadLetterSink"]["ref"]["name"] == dead
    assert trigger["spec"]["delivery"]["retry"] >= 5 and trigger["spec"]["delivery"]["backoffPolicy"] == "exponential"
    source = _doc("knative/eventing/sqs-source.yaml")
    assert source["spec"]["sink"]["ref"] == {"apiVersion": "eventing.knative.dev/v1", "kind": "Broker", "name": broker}
    ping = _doc("knative/eventing/ping-sweep.yaml")
    assert ping["spec"]["sink"]["ref"]["name"] == service
    sweep = urlsplit(ping["spec"]["sink"]["uri"])
    assert sweep.path == "/v1/events/sweep" and parse_qs(sweep.query)["bucket"] == ["images"]


# -- AWS ---------------------------------------------------------------------------------------------------
def _aws(name: str) -> dict:
    return json.loads((INFRA / "aws" / name).read_text())


def test_aws_documents_validate():
    jsonschema.validate(_aws("s3-notification.json"), schemas.S3_NOTIFICATION)
    for name in ("sqs-queue-policy.json", "function-policy.json", "source-policy.json"):
        jsonschema.validate(_aws(name), schemas.IAM_POLICY)


def test_s3_notifications_reach_the_queue_the_source_consumes_for_inputs_only():
    configs = _aws("s3-notification.json")["QueueConfigurations"]
    queue = {c["QueueArn"] for c in configs}
    source_arn = _doc("knative/eventing/sqs-source.yaml")["spec"]["aws"]["sqs"]["arn"]
    assert queue == {source_arn}
    assert _aws("sqs-queue-policy.json")["Statement"][0]["Resource"] == source_arn
    assert _aws("source-policy.json")["Statement"][0]["Resource"] == source_arn
    prefix = setting_defaults().input_prefix
    output = setting_defaults().output_prefix
    for config in configs:
        rules = {r["Name"]: r["Value"] for r in config["Filter"]["Key"]["FilterRules"]}
        assert rules["prefix"] == prefix and not rules["prefix"].startswith(output), "results must never trigger"
    assert {c["Id"] for c in configs}.__len__() == len(configs)


def test_event_suffixes_are_image_formats_the_function_decodes():
    decodable = {ext for ext, fmt in Image.registered_extensions().items()}
    aws = {next(r["Value"] for r in c["Filter"]["Key"]["FilterRules"] if r["Name"] == "suffix")
           for c in _aws("s3-notification.json")["QueueConfigurations"]}
    minio = set(re.search(r"for suffix in ([^;]+);", (INFRA / "minio/setup.sh").read_text()).group(1).split())
    assert aws == minio, "MinIO and S3 filter the same image types"
    assert aws <= decodable


def test_function_policy_allows_what_the_function_does_on_the_bucket_and_no_more():
    statements = _aws("function-policy.json")["Statement"]
    actions = {s["Action"] if isinstance(s["Action"], str) else tuple(s["Action"]) for s in statements}
    assert actions == {"s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"}
    put = next(s for s in statements if s["Action"] == "s3:PutObject")
    assert put["Resource"] == f"arn:aws:s3:::images/{setting_defaults().output_prefix}*", "writes only results"
    delete = next(s for s in statements if s["Action"] == "s3:DeleteObject")
    output = f"arn:aws:s3:::images/{setting_defaults().output_prefix}"
    assert delete["Resource"] == [output + "*.claim", output + "*" + FAILED, output + "*.json"], \
        "deletes only claims, failure records and results it takes back"


# -- MinIO and SeaweedFS webhooks --------------------------------------------------------------------------
def test_minio_setup_targets_the_events_route_with_token_and_durable_queue():
    script = (INFRA / "minio/setup.sh").read_text()
    assert 'endpoint="$SAM3FN_URL/v1/events"' in script and "POST" in routes()["/v1/events"]
    assert 'auth_token="$SAM3FN_EVENTS_TOKEN"' in script and "queue_dir=" in script
    target = re.search(r"notify_webhook:(\w+)", script).group(1)
    assert f"arn:minio:sqs::{target}:webhook" in script, "the event rule names the webhook target configured"
    assert re.search(r"INPUT_PREFIX=\$\{INPUT_PREFIX:-([^}]+)\}", script).group(1) == setting_defaults().input_prefix
    syntax = subprocess.run(["sh", "-n", str(INFRA / "minio/setup.sh")], capture_output=True, text=True)
    assert syntax.returncode == 0, syntax.stderr


@pytest.mark.parametrize("path", [INFRA / "seaweedfs/notification.toml", INFRA / "compose/seaweedfs/notification.toml"],
                         ids=["cluster", "compose"])
def test_seaweedfs_webhook_posts_input_objects_to_the_events_route(path):
    hook = tomllib.loads(path.read_text())["notification"]["webhook"]
    assert hook["enabled"] is True and urlsplit(hook["endpoint"]).path == "/v1/events"
    assert hook["path_prefixes"] == [f"/buckets/images/{setting_defaults().input_prefix}"]
    assert set(hook["event_types"]) == {"create", "update", "rename"}  # a file moved within inputs/ is a rename
    assert hook["bearer_token"]


# -- compose ---------------------------------------------------------------------------------------------
def test_compose_file_validates_and_builds_the_cpu_variant_from_this_repository():
    doc = yaml.safe_load(COMPOSE.read_text())
    jsonschema.validate(doc, schemas.COMPOSE)
    build = doc["services"]["sam3fn"]["build"]
    context = (COMPOSE.parent / build["context"]).resolve()
    assert context == ROOT and (context / build["dockerfile"]).is_file()
    assert build["args"] == {"VARIANT": "cpu"}


def test_compose_wires_seaweedfs_to_the_function_as_the_image_listens():
    doc = yaml.safe_load(COMPOSE.read_text())
    services = doc["services"]
    fn = services["sam3fn"]
    hook = tomllib.loads((COMPOSE.parent / "seaweedfs/notification.toml").read_text())["notification"]["webhook"]
    endpoint = urlsplit(hook["endpoint"])
    assert endpoint.hostname == "sam3fn" and endpoint.port == image_port()
    assert hook["bearer_token"] == fn["environment"]["SAM3FN_EVENTS_TOKEN"]
    assert services["sweeper"]["environment"]["SAM3FN_EVENTS_TOKEN"] == fn["environment"]["SAM3FN_EVENTS_TOKEN"]
    assert "sam3fn:8080/v1/events/sweep?bucket=images" in " ".join(services["sweeper"]["command"])
    s3 = urlsplit(fn["environment"]["SAM3FN_S3_ENDPOINT"])
    assert s3.hostname == "seaweedfs" and f"127.0.0.1:{s3.port}:{s3.port}" in services["seaweedfs"]["ports"]
    assert fn["read_only"] is True and set(fn["tmpfs"]) == image_volumes()
    assert any(p.endswith(f":{image_port()}") for p in fn["ports"])
    mounted = {v.split(":")[1] for v in services["seaweedfs"]["volumes"]}
    assert f"{services['seaweedfs']['working_dir']}/notification.toml" in mounted, "weed reads it from its cwd"
    assert any(a == "-bucket=images" for a in services["seaweedfs"]["command"])


def test_yaml_check_sees_a_broken_file(tmp_path):
    # The parse step is real: a tab-indented mapping is a YAML error, not silently an empty document.
    broken = tmp_path / "broken.yaml"
    broken.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n")
    with pytest.raises(yaml.YAMLError):
        yaml_docs(broken)


def test_kubernetes_validate_is_strict_about_unknown_fields():
    config = copy.deepcopy(yaml_docs(INFRA / "knative/config.yaml")[0])
    config["metadata"]["lables"] = {"a": "b"}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(config, K8S_VERSION, strict=True)


def test_manifest_inventory_covers_every_yaml_file_under_infra():
    listed = set(manifest_files()) | {COMPOSE}
    on_disk = {p for p in INFRA.rglob("*.y*ml")}
    assert on_disk == listed
    assert sys.version_info >= (3, 11)  # tomllib
