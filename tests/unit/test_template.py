"""devstack.template: the facts the local stack reads from template.yaml."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from devstack.runner import load_handler
from devstack.template import (
    TEMPLATE_PATH,
    Schedule,
    StackTemplate,
    load_template,
    rate_to_seconds,
)


@pytest.fixture(scope="module")
def stack() -> StackTemplate:
    return load_template()


def test_the_real_template_is_found() -> None:
    assert TEMPLATE_PATH.name == "template.yaml"
    assert TEMPLATE_PATH.is_file()


def test_the_bus_is_declared(stack: StackTemplate) -> None:
    assert stack.bus_logical_id == "EventBus"


SECOND_FUNCTIONS = {"/api/bookings/admin": "functions.bookings.admin_app"}


def test_the_http_functions_and_their_prefixes(stack: StackTemplate) -> None:
    prefixes = {function.path_prefix for function in stack.http_functions}

    assert prefixes == {
        "/api/bookings",
        "/api/bookings/admin",
        "/api/crm",
        "/api/invoices",
        "/api/whatsapp",
        "/api/deploy_agent",
    }
    assert len(stack.http_functions) == 6, "a function with two HttpApi events is listed once"


def test_http_handlers_are_mangum_handlers_of_the_app_module(stack: StackTemplate) -> None:
    for function in stack.http_functions:
        capability = function.path_prefix.removeprefix("/api/")
        module = SECOND_FUNCTIONS.get(function.path_prefix, f"functions.{capability}.app")
        assert function.handler == f"{module}.handler"
        assert function.app_module == module


def test_each_http_app_serves_its_own_prefix(stack: StackTemplate) -> None:
    for function in stack.http_functions:
        app = importlib.import_module(function.app_module).app
        assert isinstance(app, FastAPI)
        assert app.openapi_url == f"{function.path_prefix}/openapi.json"
        paths = set(app.openapi()["paths"])
        assert f"{function.path_prefix}/health" in paths, function.logical_id
        # POST /api/bookings itself is the one route at the bare prefix.
        assert all(
            path == function.path_prefix or path.startswith(function.path_prefix + "/")
            for path in paths
        ), function.logical_id


def test_every_handler_in_the_template_can_be_loaded(stack: StackTemplate) -> None:
    handlers = [
        *(function.handler for function in stack.http_functions),
        *(consumer.handler for consumer in stack.consumers),
        *(schedule.handler for schedule in stack.schedules),
    ]

    assert handlers
    for dotted in handlers:
        assert callable(load_handler(dotted)), dotted


def test_there_is_at_least_one_consumer(stack: StackTemplate) -> None:
    assert {consumer.logical_id for consumer in stack.consumers} >= {"WhatsappNotifyFunction"}


def test_every_consumer_queue_exists_with_a_dead_letter_queue(stack: StackTemplate) -> None:
    for consumer in stack.consumers:
        queue = stack.queues.get(consumer.queue)
        assert queue is not None, f"{consumer.logical_id} reads an undeclared queue"
        assert queue.dead_letter_queue in stack.queues, f"{queue.logical_id} has no DLQ"
        assert queue.max_receive_count is not None
        assert queue.max_receive_count >= 1
        dlq = stack.queues[queue.dead_letter_queue]
        assert dlq.dead_letter_queue is None, "a dead-letter queue must not redrive again"


def test_every_consumer_reports_batch_item_failures(stack: StackTemplate) -> None:
    for consumer in stack.consumers:
        assert consumer.reports_batch_item_failures, consumer.logical_id
        assert 1 <= consumer.batch_size <= 10, consumer.logical_id


def test_queue_visibility_outlasts_the_function_timeout(stack: StackTemplate) -> None:
    # Lambda's guidance: at least six times the function timeout (20 s in Globals).
    for consumer in stack.consumers:
        assert stack.queues[consumer.queue].visibility_timeout >= 6 * 20


def test_the_whatsapp_queue_wiring(stack: StackTemplate) -> None:
    queue = stack.queues["WhatsappNotifyQueue"]

    assert queue.dead_letter_queue == "WhatsappNotifyDLQ"
    assert queue.max_receive_count == 5
    assert queue.visibility_timeout == 120


def test_every_rule_targets_declared_queues(stack: StackTemplate) -> None:
    assert stack.rules
    consumed = {consumer.queue for consumer in stack.consumers}
    for rule in stack.rules:
        assert rule.target_queues, rule.logical_id
        for queue in rule.target_queues:
            assert queue in stack.queues, f"{rule.logical_id} targets undeclared {queue}"
            assert queue in consumed, f"nothing consumes {queue}"


def test_rules_match_milliintell_sources(stack: StackTemplate) -> None:
    for rule in stack.rules:
        sources = rule.event_pattern["source"]
        assert sources
        assert all(source.startswith("milliintell.") for source in sources)


def test_the_whatsapp_rule_pattern(stack: StackTemplate) -> None:
    [rule] = [r for r in stack.rules if r.logical_id == "WhatsappNotifyRule"]

    assert rule.event_pattern == {
        "source": ["milliintell.whatsapp", "milliintell.bookings"],
        "detail-type": [
            "whatsapp.opt_in_requested",
            "booking.confirmed",
            "booking.rescheduled",
            "booking.cancelled",
            "reminder.due",
        ],
    }
    assert rule.target_queues == ("WhatsappNotifyQueue",)


def test_only_meta_keyword_messages_reach_the_notifier(stack: StackTemplate) -> None:
    [rule] = [r for r in stack.rules if r.logical_id == "WhatsappKeywordReplyRule"]

    # Twilio's webhook answers STOP / START / YES itself (TwiML); Meta's cannot.
    assert rule.event_pattern == {
        "source": ["milliintell.whatsapp"],
        "detail-type": ["message.received"],
        "detail": {"data": {"provider": ["meta"], "keyword": ["stop", "start", "yes"]}},
    }
    assert rule.target_queues == ("WhatsappNotifyQueue",)


def test_schedules_are_rates_the_local_stack_can_run(stack: StackTemplate) -> None:
    assert stack.schedules
    for schedule in stack.schedules:
        assert schedule.period_seconds > 0, schedule.logical_id


def test_the_bookings_schedules(stack: StackTemplate) -> None:
    periods = {
        s.handler: s.period_seconds
        for s in stack.schedules
        if s.handler.startswith("functions.bookings.")
    }
    assert periods == {
        "functions.bookings.handlers.complete_past_bookings": 15 * 60,
        "functions.bookings.handlers.send_reminders": 5 * 60,
        "functions.bookings.handlers.release_expired_holds": 60,
    }


# ------------------------------------------------------------ rate(...) only


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [
        ("rate(5 minutes)", 300),
        ("rate(1 minute)", 60),
        ("rate(1 hour)", 3600),
        ("rate(12 hours)", 43200),
        ("rate(1 day)", 86400),
        ("rate(7 days)", 604800),
        ("  rate(15 minutes) ", 900),
    ],
)
def test_rate_to_seconds(expression: str, seconds: int) -> None:
    assert rate_to_seconds(expression) == seconds


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 12 * * ? *)",
        "rate(5 seconds)",
        "rate(five minutes)",
        "rate(5minutes)",
        "rate(-5 minutes)",
        "at(2030-01-01T00:00:00)",
        "",
    ],
)
def test_other_expressions_are_refused(expression: str) -> None:
    with pytest.raises(ValueError, match="rate"):
        rate_to_seconds(expression)


def test_schedule_period_seconds() -> None:
    assert Schedule("F.E", "m.h", "rate(2 hours)").period_seconds == 7200


# ------------------------------------------------------ a synthetic template

SYNTHETIC = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Handler: pkg.default.handler
Resources:
  Bus:
    Type: AWS::Events::EventBus
    Properties:
      Name: bus
  PlainQueue:
    Type: AWS::SQS::Queue
  WorkQueue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 45
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt PlainQueue.Arn
        maxReceiveCount: 3
  ScheduledRule:
    Type: AWS::Events::Rule
    Properties:
      ScheduleExpression: rate(1 hour)
  WorkRule:
    Type: AWS::Events::Rule
    Properties:
      EventPattern:
        source: [milliintell.work]
      Targets:
        - Id: a
          Arn: !GetAtt WorkQueue.Arn
        - Id: b
          Arn:
            Fn::GetAtt: [PlainQueue, Arn]
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Queue:
          Type: SQS
          Properties:
            Queue: !GetAtt WorkQueue.Arn
        Tick:
          Type: Schedule
          Properties:
            Schedule: rate(10 minutes)
        Tock:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: rate(1 day)
  Api:
    Type: AWS::Serverless::Function
    Properties:
      Handler: pkg.api.handler
      Events:
        Root:
          Type: HttpApi
          Properties:
            Path: /api/x
            Method: ANY
        Proxy:
          Type: HttpApi
          Properties:
            Path: /api/x/{proxy+}
            Method: ANY
"""


@pytest.fixture
def synthetic(tmp_path: Path) -> StackTemplate:
    path = tmp_path / "template.yaml"
    path.write_text(SYNTHETIC)
    return load_template(path)


def test_synthetic_queues(synthetic: StackTemplate) -> None:
    plain = synthetic.queues["PlainQueue"]
    work = synthetic.queues["WorkQueue"]

    assert (plain.visibility_timeout, plain.dead_letter_queue, plain.max_receive_count) == (
        30,
        None,
        None,
    )
    assert (work.visibility_timeout, work.dead_letter_queue, work.max_receive_count) == (
        45,
        "PlainQueue",
        3,
    )


def test_synthetic_rules_skip_schedules_and_read_both_getatt_forms(
    synthetic: StackTemplate,
) -> None:
    assert [rule.logical_id for rule in synthetic.rules] == ["WorkRule"]
    assert synthetic.rules[0].target_queues == ("WorkQueue", "PlainQueue")
    assert synthetic.rules[0].event_pattern == {"source": ["milliintell.work"]}


def test_synthetic_consumer_defaults(synthetic: StackTemplate) -> None:
    [consumer] = synthetic.consumers

    assert consumer.logical_id == "Worker"
    assert consumer.handler == "pkg.default.handler", "falls back to Globals"
    assert consumer.queue == "WorkQueue"
    assert consumer.batch_size == 10
    assert not consumer.reports_batch_item_failures


def test_synthetic_schedules_of_both_kinds(synthetic: StackTemplate) -> None:
    by_id = {schedule.logical_id: schedule for schedule in synthetic.schedules}

    assert set(by_id) == {"Worker.Tick", "Worker.Tock"}
    assert by_id["Worker.Tick"].period_seconds == 600
    assert by_id["Worker.Tock"].period_seconds == 86400


def test_synthetic_http_function_is_listed_once(synthetic: StackTemplate) -> None:
    assert [(f.logical_id, f.handler, f.path_prefix) for f in synthetic.http_functions] == [
        ("Api", "pkg.api.handler", "/api/x")
    ]
    assert synthetic.bus_logical_id == "Bus"


def test_the_http_api_is_throttled_and_waf_is_an_opt_in_in_front_of_it() -> None:
    from cfnlint.decode import cfn_yaml

    document: Any = cfn_yaml.load(str(TEMPLATE_PATH))
    resources = document["Resources"]
    throttling = resources["HttpApi"]["Properties"]["DefaultRouteSettings"]
    assert throttling == {
        "ThrottlingBurstLimit": {"Ref": "ApiThrottlingBurstLimit"},
        "ThrottlingRateLimit": {"Ref": "ApiThrottlingRateLimit"},
    }
    # WAF cannot attach to an HTTP API: the option is CloudFront + a web ACL.
    waf = {"ApiWebAcl", "ApiCachePolicy", "ApiDistribution"}
    assert all(resources[name]["Condition"] == "UseWaf" for name in waf)
    rules = resources["ApiWebAcl"]["Properties"]["Rules"]
    keys = {rule["Statement"]["RateBasedStatement"]["AggregateKeyType"] for rule in rules}
    assert keys == {"FORWARDED_IP", "IP"}
    environment = document["Globals"]["Function"]["Environment"]["Variables"]
    assert "NETLIFY_PROXY_SECRET" in environment
