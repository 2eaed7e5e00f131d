"""When the page's scripts do not load: the page's JavaScript and CSS come from the
``solara-assets`` package (no internet needed); if they cannot be loaded the page says so in
one line (:func:`install_page_check`) instead of staying blank."""

from __future__ import annotations

ASSETS_MISSING_ID = "trustsim-assets-missing"
PAGE_CHECK = """{% extends "solara.html.j2" %}
{% block after_pre_rendered_html %}
<div id="ASSETS_ID" style="display:none;margin:16px;padding:12px;border:2px solid #d55e00;font:16px sans-serif"></div>
<script>
window.addEventListener("load", function () {
  if (typeof window.solara === "undefined") {
    var e = document.getElementById("ASSETS_ID");
    e.textContent = MESSAGE;
    e.style.display = "block";
    document.body.prepend(e);
  }
});
</script>
{{ super() }}
{% endblock %}
"""


def assets_message() -> str:
    import importlib.metadata as md

    try:
        version = md.version("solara")
    except md.PackageNotFoundError:
        version = "<your solara version>"
    return ("This page could not load its scripts (Solara's page assets are not installed and the internet "
            f"cannot be reached): install them with pip install solara-assets=={version}, then restart trustsim app.")


def install_page_check() -> None:
    """Add to Solara's page a line that shows if its scripts fail to load (no script needed
    to show it), instead of a blank page. Safe to call more than once."""
    import json

    import jinja2
    from solara.server import server

    if getattr(server.get_jinja_env, "_trustsim", False):
        return
    original = server.get_jinja_env
    template = (PAGE_CHECK.replace("ASSETS_ID", ASSETS_MISSING_ID)
                .replace("MESSAGE", json.dumps(assets_message()).replace("<", "\\u003c")))

    def get_jinja_env(app_name: str):
        env = original(app_name=app_name)
        if not getattr(env, "_trustsim", False):
            env.loader = jinja2.ChoiceLoader([jinja2.DictLoader({"index.html.j2": template}), env.loader])
            env.cache = {} if env.cache is not None else None
            env._trustsim = True
        return env

    get_jinja_env._trustsim = True
    server.get_jinja_env = get_jinja_env
