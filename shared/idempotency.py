"""Idempotency on Firestore for Powertools' `@idempotent_function`.

Upstream Powertools stores idempotency records in DynamoDB or Redis; ours
live in the `idempotency` collection, where a `create()` precondition
decides who runs first. Records carry `expires_at`, which a Firestore TTL policy
(firestore.indexes.json) deletes in the cloud.

`idempotent("record")` is the decorator consumers use. Powertools'
idempotency package imports boto3 eagerly (for its DynamoDB layer), so the
real decorator is built on the first call rather than at import.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from shared.firestore import Collections, client, collection

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
    from google.cloud.firestore import DocumentReference

P = ParamSpec("P")
R = TypeVar("R")

DEFAULT_EXPIRY_SECONDS = 7 * 24 * 3600  # longer than SQS retention and provider retries


def _persistence_layer_class() -> type:
    from aws_lambda_powertools.utilities.idempotency import BasePersistenceLayer
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyItemAlreadyExistsError,
        IdempotencyItemNotFoundError,
    )
    from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord

    class FirestorePersistenceLayer(BasePersistenceLayer):
        """Powertools persistence layer whose records are Firestore documents."""

        def _ref(self, idempotency_key: str) -> DocumentReference:
            # Keys hold characters Firestore ids may not ("/"), so the id is a hash.
            doc_id = hashlib.sha256(idempotency_key.encode()).hexdigest()
            return collection(Collections.IDEMPOTENCY).document(doc_id)

        @staticmethod
        def _to_record(idempotency_key: str, item: dict[str, Any]) -> DataRecord:
            return DataRecord(
                idempotency_key=idempotency_key,
                status=item["status"],
                expiry_timestamp=item.get("expiry"),
                in_progress_expiry_timestamp=item.get("in_progress_expiry"),
                response_data=item.get("data", ""),
                payload_hash=item.get("validation", ""),
            )

        @staticmethod
        def _to_item(record: DataRecord) -> dict[str, Any]:
            item: dict[str, Any] = {
                "key": record.idempotency_key,
                "status": record.status,
                "expiry": record.expiry_timestamp,
                "in_progress_expiry": record.in_progress_expiry_timestamp,
                "data": record.response_data,
                "validation": record.payload_hash,
            }
            if record.expiry_timestamp:
                item["expires_at"] = datetime.fromtimestamp(record.expiry_timestamp, UTC)
            return item

        def _get_record(self, idempotency_key: str) -> DataRecord:
            snapshot = self._ref(idempotency_key).get()
            if not snapshot.exists:
                raise IdempotencyItemNotFoundError
            return self._to_record(idempotency_key, snapshot.to_dict() or {})

        def _put_record(self, data_record: DataRecord) -> None:
            # create() decides who runs first without a transaction (transactions
            # on one hot document serialise behind locks); a stale record is
            # taken over only if it has not changed since we read it.
            from google.api_core.exceptions import AlreadyExists, FailedPrecondition, NotFound

            ref = self._ref(data_record.idempotency_key)
            item = self._to_item(data_record)
            try:
                ref.create(item)
                return
            except AlreadyExists:
                pass
            snapshot = ref.get()
            if snapshot.exists:
                existing = self._to_record(data_record.idempotency_key, snapshot.to_dict() or {})
                now = time.time()
                expired = existing.expiry_timestamp is not None and existing.expiry_timestamp < now
                abandoned = (
                    existing.status == "INPROGRESS"
                    and existing.in_progress_expiry_timestamp is not None
                    and existing.in_progress_expiry_timestamp < now * 1000
                )
                if not (expired or abandoned):
                    raise IdempotencyItemAlreadyExistsError(old_data_record=existing)
                unchanged = client().write_option(last_update_time=snapshot.update_time)
                try:
                    ref.update(item, option=unchanged)
                    return
                except (FailedPrecondition, NotFound) as error:
                    raise IdempotencyItemAlreadyExistsError() from error
            try:
                ref.create(item)  # deleted between our create and get: try once more
            except AlreadyExists as error:
                raise IdempotencyItemAlreadyExistsError() from error

        def _update_record(self, data_record: DataRecord) -> None:
            self._ref(data_record.idempotency_key).set(self._to_item(data_record))

        def _delete_record(self, data_record: DataRecord) -> None:
            self._ref(data_record.idempotency_key).delete()

    return FirestorePersistenceLayer


_configs: list[Any] = []
_lambda_context: Any = None


def register_lambda_context(context: Any) -> None:
    """Tell every idempotency guard how long this invocation has left.

    Powertools uses it to let a retry take over a record whose invocation
    timed out mid-way. Handlers call this first thing.
    """
    global _lambda_context
    _lambda_context = context
    for config in _configs:
        config.register_lambda_context(context)


_layer_class: type | None = None
_layer_lock = threading.Lock()


def persistence_layer() -> Any:
    """A new FirestorePersistenceLayer (its class is built on first use)."""
    global _layer_class
    with _layer_lock:
        if _layer_class is None:
            _layer_class = _persistence_layer_class()
    return _layer_class()


def idempotent(
    data_keyword_argument: str,
    *,
    event_key_jmespath: str | None = None,
    expires_after_seconds: int = DEFAULT_EXPIRY_SECONDS,
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Run the decorated function at most once per distinct keyword argument.

    `event_key_jmespath` picks the part of the argument that identifies it
    (for domain events, `envelope.event_id`). Call the function with that
    argument by keyword, as Powertools requires.
    """

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        guarded: Callable[P, R] | None = None
        lock = threading.Lock()

        @wraps(function)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            nonlocal guarded
            if guarded is None:
                with lock:
                    if guarded is None:
                        from aws_lambda_powertools.utilities.idempotency import (
                            IdempotencyConfig,
                            idempotent_function,
                        )

                        config = IdempotencyConfig(
                            event_key_jmespath=event_key_jmespath or "",
                            expires_after_seconds=expires_after_seconds,
                            raise_on_no_idempotency_key=True,
                        )
                        if _lambda_context is not None:
                            config.register_lambda_context(_lambda_context)
                        _configs.append(config)
                        guarded = idempotent_function(
                            data_keyword_argument=data_keyword_argument,
                            persistence_store=persistence_layer(),
                            config=config,
                        )(function)
            return guarded(*args, **kwargs)

        return wrapper

    return decorate
