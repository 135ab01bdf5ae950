"""shared.metrics: counts come out as CloudWatch EMF lines, in the namespace
template.yaml promises."""

from __future__ import annotations

import json

import pytest

from shared import metrics


def _emitted(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def test_a_count_is_one_emf_line_in_the_configured_namespace(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "MilliIntellTest")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "bookings")

    metrics.count("BookingsCreated", by="client")

    [line] = _emitted(capsys.readouterr().out)
    [directive] = line["_aws"]["CloudWatchMetrics"]  # type: ignore[index]
    assert directive["Namespace"] == "MilliIntellTest"
    assert directive["Metrics"] == [{"Name": "BookingsCreated", "Unit": "Count"}]
    assert sorted(directive["Dimensions"][0]) == ["by", "service"]
    assert (line["BookingsCreated"], line["by"], line["service"]) == ([1.0], "client", "bookings")


def test_without_a_namespace_the_default_one_is_used(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("POWERTOOLS_METRICS_NAMESPACE", raising=False)

    metrics.count("WhatsAppMessagesSkipped", 2)

    [line] = _emitted(capsys.readouterr().out)
    [directive] = line["_aws"]["CloudWatchMetrics"]  # type: ignore[index]
    assert directive["Namespace"] == metrics.DEFAULT_NAMESPACE
    assert line["WhatsAppMessagesSkipped"] == [2.0]
