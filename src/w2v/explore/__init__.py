"""Explore word vectors in a local web page and serve them over a JSON API (``w2v explore``).

:class:`~w2v.explore.explorer.Explorer` answers the queries (no web framework needed);
:func:`w2v.explore.app.create_app` is the Starlette application and
:func:`w2v.explore.server.serve` runs it with uvicorn. The web part needs the ``serve`` extra
(``pip install "w2v[serve]"``). See docs/explore.md.
"""

from w2v.explore.explorer import Explorer, Limits, Unavailable, UnknownWords, open_vectors

__all__ = ["Explorer", "Limits", "Unavailable", "UnknownWords", "open_vectors"]
