"""``deltaprop explore``: an interactive explorer in the browser where backpropagation is
visible.

A local web server (Starlette and uvicorn: ``pip install 'deltaprop[explore]'``) runs the
library's own training loop in a thread per page, with a callback that publishes snapshots
and obeys pause, step and stop; the page (plain JavaScript and SVG, in ``static/``) draws the
network with a^l or δ^l, every number with the equation that made it (eq. 25, BP1–BP4).

- :mod:`.data`: the data sets; :mod:`.settings`: what the page asks for, checked;
- :mod:`.session`: one page's run and its training thread; :mod:`.snapshot`: what is sent;
- :mod:`.server`: the application; :mod:`.routes`: a handler a route; :mod:`.state`: the
  runs and uploads the server holds; :mod:`.inputs`: what a request holds, checked;
  :mod:`.wire`: valid JSON and the event stream's messages;
  :mod:`.security`: their guard (token, Host, Origin) and the headers of every answer;
- :mod:`.keep`: the HTML report; :mod:`.command`: the ``explore`` subcommand.
"""
