"""The HTTP edge: request bodies into :class:`Params`, replies into JSON responses."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from fake_bot_api.core import BotApiCore, Reply
from fake_bot_api.errors import ApiError, bad_request
from fake_bot_api.params import Params, UploadedFile

_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


class HttpClientLink:
    """Whether the client behind ``request`` is still there (its socket open, the server up)."""

    __slots__ = ("_core", "_request")

    def __init__(self, request: web.Request, core: BotApiCore) -> None:
        self._request = request
        self._core = core

    def gone(self) -> bool:
        transport = self._request.transport
        return self._core.stopping or transport is None or transport.is_closing()


async def read_params(request: web.Request) -> Params:
    """Query string, then a form, multipart or JSON body, as Telegram accepts them all."""
    fields: dict[str, Any] = dict(request.query)
    files: dict[str, UploadedFile] = {}
    if request.can_read_body:
        if request.content_type == "application/json":
            fields.update(await _json_body(request))
        elif request.content_type in _FORMS:
            for name, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    files[name] = UploadedFile(
                        value.filename, value.file.read(), value.content_type
                    )
                else:
                    fields[name] = value
    return Params.decode(fields, files)


def json_response(reply: Reply) -> web.Response:
    return web.Response(
        status=reply.status,
        body=json.dumps(reply.body, ensure_ascii=False).encode("utf-8"),
        content_type="application/json",
    )


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError as error:
        raise bad_request("can't parse JSON") from error
    if not isinstance(body, dict):
        raise bad_request("can't parse JSON")
    return body


def error_response(error: ApiError) -> web.Response:
    return json_response(Reply.of_error(error))
