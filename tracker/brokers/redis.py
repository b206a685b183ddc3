"""The Redis broker: kombu's transport, with a channel that closes completely when Redis is gone.

When the worker loses Redis, Celery (5.7) first collects the broken connection, which closes its
channels and detaches the transport, and then closes the connection once more. kombu's (5.7) channel
close starts by reading the reply of the BRPOP it has pending; with Redis gone that read raises a
connection error, the close stops half way (Celery ignores the error), and the second close then
hands the unacknowledged messages back through the detached transport: an AttributeError
("'NoneType' object has no attribute 'hostname'") that Celery does not count as a connection error,
so the worker exits instead of reconnecting.

Here a reply that cannot be read ends the poll and the close goes on, so the channel is closed the
first time. Its unacknowledged messages go back to their queue if Redis answers; otherwise they stay
in Redis's unacked set, from which the transport restores them after the visibility timeout (and
every task is safe to run twice). A transport that was detached anyway answers with a connection
error, which Celery recovers from, instead of the AttributeError.
"""

from collections.abc import Callable
from queue import Empty
from typing import Any

from kombu.transport import redis
from redis.exceptions import ConnectionError as RedisConnectionError


class Channel(redis.Channel):
    # kombu's own members that its stubs (celery-types) leave out, as kombu 5.7 sets them.
    _in_poll: object  # False before the first poll, then the connection a BRPOP is pending on, or None
    _closing: bool
    connection_errors: tuple[type[BaseException], ...]
    _brpop_read: Callable[..., bool]

    def close(self) -> None:
        if self._in_poll:
            try:
                self._brpop_read()
            except Empty:
                pass
            except self.connection_errors:
                pass  # the reply will never come; _brpop_read has ended the poll
        super().close()

    def queue_delete(self, queue: str, *args: Any, **kwargs: Any) -> int | None:
        try:
            return super().queue_delete(queue, *args, **kwargs)
        except self.connection_errors:
            if not self._closing:
                raise
            return 0  # a closing channel's auto-delete queues (gossip, events) went with Redis

    def _connparams(self, asynchronous: bool = False) -> dict[str, Any]:
        if self.connection.client is None:
            raise RedisConnectionError("broker connection closed")  # for the log, never shown to a reader
        params: dict[str, Any] = super()._connparams(asynchronous=asynchronous)  # type: ignore[misc]  # not in the stubs
        return params


class Transport(redis.Transport):
    Channel = Channel
