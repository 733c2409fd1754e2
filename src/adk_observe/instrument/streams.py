"""The context managers as decorators of generator functions: the block lasts the iteration.

`@llm_call(model)` (or `@agent_turn`, `@tool_call`) on a function that yields (a streamed
answer) would otherwise end when the generator object is created, before any chunk exists: a
duration of ~0 and no failure seen. Here the block starts at the first `next()` and ends when
the generator returns, raises or is closed; its first item is its first token (`first_token()`,
for a model call and a turn). The span is current only while the generator's own code runs, one
step at a time, so the consumer's code between items never runs inside it, and a generator left
unfinished and closed later (by another task, by garbage collection) detaches what it attached
in the same step. Closing a stream early (a `break`) ends the block as a success; an exception
from the generator, or thrown into it, ends it as a failure and propagates unchanged.

The wrappers are generator functions themselves, so frameworks that tell streaming callables
by their kind (ADK's streaming tools, `inspect.isasyncgenfunction`) still see one.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncGenerator, Callable, Generator
from typing import Any, Protocol


class Scope(Protocol):
    """What the wrappers need of a context manager (instrument/calls.py's `_Scope`)."""

    def __enter__(self) -> Any: ...

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None: ...

    def suspend(self) -> None: ...

    def resume(self) -> None: ...


def _first_item(scope: Scope) -> None:
    first_token = getattr(scope, "first_token", None)
    if first_token is not None:
        first_token()


def _step(scope: Scope, fn: Callable[..., Any], *args: Any) -> Any:
    """`fn(*args)` with the scope's span (and turn) current."""
    scope.resume()
    try:
        return fn(*args)
    finally:
        scope.suspend()


def _end(scope: Scope, failure: BaseException | None) -> None:
    scope.resume()
    if failure is None:
        scope.__exit__(None, None, None)
    else:
        scope.__exit__(type(failure), failure, failure.__traceback__)


def wrap_generator(make: Callable[[], Scope], func: Callable[..., Any]) -> Callable[..., Any]:
    """`func` (a generator function) with a fresh scope (`make()`) around each iteration."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
        scope = make()
        scope.__enter__()
        scope.suspend()
        failure: BaseException | None = None
        try:
            gen = _step(scope, functools.partial(func, *args, **kwargs))
            action: Callable[[Any], Any] = gen.send
            arg: Any = None
            first = True
            while True:
                try:
                    item = _step(scope, action, arg)
                except StopIteration as stop:
                    return stop.value
                if first:
                    first = False
                    _first_item(scope)
                try:
                    arg = yield item
                    action = gen.send
                except GeneratorExit:
                    _step(scope, gen.close)
                    raise
                except BaseException as exc:  # thrown in by the consumer: the generator's
                    action, arg = gen.throw, exc
        except GeneratorExit:  # closed early: the stream ended, not failed
            raise
        except BaseException as exc:
            failure = exc
            raise
        finally:
            _end(scope, failure)

    return wrapper


def wrap_async_generator(make: Callable[[], Scope], func: Callable[..., Any]) -> Callable[..., Any]:
    """`func` (an async generator function) with a fresh scope around each iteration."""

    @functools.wraps(func)
    async def wrapper(*args: Any, **kwargs: Any) -> AsyncGenerator[Any, Any]:
        scope = make()
        scope.__enter__()
        scope.suspend()
        failure: BaseException | None = None
        try:
            agen = _step(scope, functools.partial(func, *args, **kwargs))
            action: Callable[[Any], Any] = agen.asend
            arg: Any = None
            first = True
            while True:
                scope.resume()
                try:
                    item = await action(arg)
                except StopAsyncIteration:
                    return
                finally:
                    scope.suspend()
                if first:
                    first = False
                    _first_item(scope)
                try:
                    arg = yield item
                    action = agen.asend
                except GeneratorExit:
                    scope.resume()
                    try:
                        await agen.aclose()
                    finally:
                        scope.suspend()
                    raise
                except BaseException as exc:
                    action, arg = agen.athrow, exc
        except GeneratorExit:
            raise
        except BaseException as exc:
            failure = exc
            raise
        finally:
            _end(scope, failure)

    return wrapper
