"""The docs pages in a real browser, offline: the stand-in for the Quarto site build.
`nbdev-proc-nbs` processes a copy of nbs/, nbconvert renders each processed notebook to HTML (lab template, widget state embedded,
scripts from a local folder), and headless Chromium opens every page from a server on 127.0.0.1, the only host it can resolve.
As a script, `python tests/browser/docs_pages.py [PROC]` checks a folder of processed notebooks (default: a fresh processing of nbs/)."""
import contextlib, functools, http.server, json, os, re, shutil, subprocess, sys, tarfile, tempfile, threading
from pathlib import Path

ROOT = Path(__file__).parents[2]
# html-manager 1.0 renders ipywidgets 8 state and needs require.js; the lab template configures MathJax 2 (`MathJax.Hub`)
NPM = ['@jupyter-widgets/html-manager@1.0.15', 'requirejs@2.3.8', 'mathjax@2.7.9']
MATHJAX = ('MathJax.js', 'config/TeX-AMS_CHTML-full.js', 'config/Safe.js', 'extensions/', 'jax/input/TeX/', 'jax/element/', 'jax/output/CommonHTML/', 'fonts/HTML-CSS/TeX/woff/')
JS_FILES = ['embed-amd.js', 'require.js', 'mathjax/MathJax.js', 'mathjax/config/Safe.js']
VIEW, STATE = 'application/vnd.jupyter.widget-view+json', 'application/vnd.jupyter.widget-state+json'

def _dest(tgz, name):
    "Where file `name` of the npm tarball `tgz` goes in the JS folder, or None to leave it out"
    if tgz.startswith('jupyter-widgets-html-manager'): return name[5:] if name.startswith('dist/') and not name.endswith('.map') else None
    if tgz.startswith('requirejs'): return name if name == 'require.js' else None
    if tgz.startswith('mathjax'): return f'mathjax/{name}' if name.startswith(MATHJAX) and 'a11y' not in name else None

def fetch_js(dst):
    "Fill `dst` with the pages' scripts by `npm pack`: the html-manager's dist/ (embed-amd.js and its fonts), require.js, and the MathJax 2 parts the pages load"
    with tempfile.TemporaryDirectory() as tmp:
        r = subprocess.run(['npm', 'pack', '--silent', '--pack-destination', tmp, *NPM], capture_output=True, text=True, timeout=300)
        if r.returncode: raise LookupError(f'npm pack {" ".join(NPM)} failed: {r.stderr.strip()[-500:]}')
        for tgz in Path(tmp).glob('*.tgz'):
            with tarfile.open(tgz) as t:
                for m in t.getmembers():
                    out = m.isfile() and _dest(tgz.name, m.name.removeprefix('package/'))
                    if out: (Path(dst)/out).parent.mkdir(parents=True, exist_ok=True); (Path(dst)/out).write_bytes(t.extractfile(m).read())

def page_js(tmp):
    "The folder of the pages' scripts: $FASTGAN_WIDGETS_JS, else `tmp`, fetched by npm when it lacks them; LookupError when they can't be had"
    folder = Path(os.environ.get('FASTGAN_WIDGETS_JS') or tmp)
    if not all((folder/f).exists() for f in JS_FILES):
        if not shutil.which('npm'): raise LookupError(f'no page scripts in {folder} ({", ".join(JS_FILES)}) and no npm to fetch them: set FASTGAN_WIDGETS_JS')
        fetch_js(folder)
    return folder

def proc_docs(dst):
    "Run the venv's `nbdev-proc-nbs` on a copy of pyproject.toml and nbs/ in `dst`, leaving the repo's _proc/ alone; returns the processed folder"
    dst = Path(dst)
    shutil.copy(ROOT/'pyproject.toml', dst)
    shutil.copytree(ROOT/'nbs', dst/'nbs', ignore=shutil.ignore_patterns('.ipynb_checkpoints'))
    r = subprocess.run([str(Path(sys.executable).parent/'nbdev-proc-nbs')], cwd=dst, capture_output=True, text=True, timeout=600)
    if r.returncode: raise RuntimeError(f"nbdev-proc-nbs failed: {r.stderr.rpartition('Exception: ')[2][-3000:]}")
    return dst/'_proc'

def front_title(nb):
    "The `title` of a processed notebook's front matter (the raw cell nbdev makes of its first heading), or None"
    import yaml
    raw = next((c.source for c in nb.cells if c.cell_type == 'raw' and c.source.startswith('---')), '')
    fm = yaml.safe_load(raw.strip().strip('-')) if raw else None
    return fm.get('title') if isinstance(fm, dict) else None

def render(proc, js='/_js'):
    "Write `page.html` next to each processed `page.ipynb`, titled by its front matter, widget state embedded, scripts from `js` on the same server"
    import nbformat
    from nbconvert import HTMLExporter
    # mermaid and jQuery aren't in the JS folder: no page uses them, and one that starts to gets a 404 from our server, not a CDN request
    ex = HTMLExporter(template_name='lab', require_js_url=f'{js}/require.js', widget_renderer_url=f'{js}/embed-amd.js',
                      mathjax_url=f'{js}/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe', jquery_url=f'{js}/jquery.min.js',
                      mermaid_js_url=f'{js}/mermaid.esm.min.mjs', mermaid_layout_elk_js_url=f'{js}/mermaid-layout-elk.esm.min.mjs')
    for p in sorted(Path(proc).glob('*.ipynb')):
        nb = json.loads(p.read_text())
        for c in nb['cells']: c.pop('has_sd', None); c['metadata'].pop('execution', None)  # nbdev's and execnb's marks, which nbformat rejects
        nb = nbformat.reads(json.dumps(nb), as_version=4)
        if title := front_title(nb): nb.metadata.title = title
        p.with_suffix('.html').write_text(ex.from_notebook_node(nb, resources={'metadata': {'name': p.stem}})[0])

class _Handler(http.server.SimpleHTTPRequestHandler):
    "Files, without a log line per request, and no content for the favicon the browser asks for (the site has none)"
    def log_message(self, *args): pass
    def do_GET(self):
        if self.path != '/favicon.ico': return super().do_GET()
        self.send_response(204); self.end_headers()

@contextlib.contextmanager
def serve(folder):
    "Serve `folder` over http on a free port of 127.0.0.1 from a thread; yields the base URL"
    # http, not file://: Chromium gives file:// pages opaque origins, which block the html-manager's web fonts and MathJax's
    with http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(_Handler, directory=str(folder))) as srv:
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        try: yield f'http://127.0.0.1:{srv.server_port}'
        finally: srv.shutdown()

def chromium():
    "Headless Chromium as the other browser tests start it (browser.py: only 127.0.0.1 resolves), logging its console and its requests"
    from selenium import webdriver
    from browser import CHROME_ARGS, CHROMIUM, CHROMEDRIVER
    o = webdriver.ChromeOptions()
    o.binary_location = CHROMIUM
    for a in CHROME_ARGS + ['--window-size=1280,1024']: o.add_argument(a)
    o.set_capability('goog:loggingPrefs', {'browser': 'ALL', 'performance': 'ALL'})
    d = webdriver.Chrome(options=o, service=webdriver.ChromeService(CHROMEDRIVER))
    d.set_page_load_timeout(30); d.set_script_timeout(30)
    return d

def first_heading(nb_path):
    "The text of the first `# ` heading in a notebook's markdown, or None"
    cells = json.loads(Path(nb_path).read_text())['cells']
    return next((l[2:].strip() for c in cells if c['cell_type'] == 'markdown' for l in ''.join(c['source']).splitlines() if l.startswith('# ')), None)

def has_math(nb):
    "Whether a notebook's markdown, code spans and blocks left out, has TeX between dollars"
    md = ' '.join(''.join(c['source']) for c in nb['cells'] if c['cell_type'] == 'markdown')
    return bool(re.search(r'\$[^$]+\$', re.sub(r'```.*?```|`[^`]*`', '', md, flags=re.S)))

WIDGETS_DRAWN = f"""return [...document.querySelectorAll('script[type="{VIEW}"]')].filter(s =>
  s.previousElementSibling?.matches('.widget-subarea') && s.previousElementSibling.querySelector('.jupyter-widgets')).length"""
WIDGET_IMAGES_SHOWN = "return [...document.querySelectorAll('img.widget-image')].filter(i => i.complete && i.naturalWidth).length"
IMAGES_SETTLED = "return [...document.images].every(i => i.complete)"
BROKEN_IMAGES = "return [...document.images].filter(i => i.getClientRects().length && !i.naturalWidth).map(i => (i.getAttribute('src') || '').slice(0, 80))"
MATH_ERRORS = """return [...document.querySelectorAll('.MathJax_CHTML')].filter(m => m.querySelector('.mjx-noError') ||
  /<merror|<mtext mathcolor="red"/.test(m.dataset.mathml || '')).map(m => m.nextElementSibling?.textContent.slice(0, 80))"""  # noErrors and noUndefined mark them so
MATHJAX_DONE = "const done = arguments[0]; window.MathJax?.Hub ? MathJax.Hub.Queue(() => done(document.querySelectorAll('.MathJax_CHTML').length)) : done(-1)"

def shown_models(state, ids):
    "The widget models that views of the models `ids` draw: those and every model their state refers to"
    seen, todo = set(), list(ids)
    while todo:
        if (k := todo.pop()) in state and k not in seen: seen.add(k); todo += re.findall(r'IPY_MODEL_(\w+)', json.dumps(state[k]['state']))
    return seen

def _wait(d, secs, ok):
    "Wait up to `secs` seconds for `ok()` to be true; its last value"
    from selenium.webdriver.support.ui import WebDriverWait
    from selenium.common.exceptions import TimeoutException
    with contextlib.suppress(TimeoutException): WebDriverWait(d, secs, poll_frequency=0.1).until(lambda _: ok())
    return ok()

def widget_problems(d, nb):
    "Problems with the widget outputs of the open page: views without saved state, views the html-manager didn't draw, widget images not shown"
    state = nb['metadata'].get('widgets', {}).get(STATE, {}).get('state', {})
    views = [o['data'][VIEW]['model_id'] for c in nb['cells'] for o in c.get('outputs', []) if VIEW in o.get('data', {})]
    problems = [f'{len(lost)} widget output(s) whose model is not in the saved state: no widget can be drawn there'] if (lost := [v for v in views if v not in state]) else []
    if saved := [v for v in views if v in state]:
        _wait(d, 20, lambda: d.execute_script(WIDGETS_DRAWN) >= len(saved))
        if (n := d.execute_script(WIDGETS_DRAWN)) < len(saved): problems.append(f'the html-manager drew {n} of its {len(saved)} widget views')
        images = sum(state[k]['model_name'] == 'ImageModel' and bool(state[k].get('buffers')) for k in shown_models(state, saved))
        _wait(d, 10, lambda: d.execute_script(WIDGET_IMAGES_SHOWN) >= images)
        if (n := d.execute_script(WIDGET_IMAGES_SHOWN)) < images: problems.append(f'{n} of its {images} widget images with content shown')
    return problems

def log_problems(d, base):
    "Errors in the browser console and requests to any host but our server, since the last look"
    problems = [f'console {e["level"]}: {e["message"][:300]}' for e in d.get_log('browser') if e['level'] in ('SEVERE', 'ERROR')]
    for e in d.get_log('performance'):
        m = json.loads(e['message'])['message']
        url = m['params']['request']['url'] if m['method'] == 'Network.requestWillBeSent' else ''
        if url and not url.startswith((base, 'data:', 'blob:', 'about:')): problems.append(f'requested another host: {url[:120]}')
    return problems

def check_page(d, base, html, heading):
    "Problems with one rendered page in browser `d`: loading, heading, saved widgets, images, math, console errors, requests off 127.0.0.1"
    from selenium.common.exceptions import TimeoutException, WebDriverException
    log_problems(d, base)  # drop what the previous page left
    try: d.get(f'{base}/{html.name}')
    except TimeoutException: return ['did not load in 30 s']
    if not _wait(d, 30, lambda: d.execute_script('return document.readyState') == 'complete'): return ['did not finish loading in 30 s']
    problems = [] if heading in d.title or heading in d.find_element('tag name', 'body').text else [f'neither title nor body has its heading {heading!r}']
    nb = json.loads(html.with_suffix('.ipynb').read_text())
    problems += widget_problems(d, nb)
    _wait(d, 10, lambda: d.execute_script(IMAGES_SETTLED))
    problems += [f'image not shown: {src}' for src in d.execute_script(BROKEN_IMAGES)]
    try: typeset = d.execute_async_script(MATHJAX_DONE)
    except WebDriverException: typeset = None
    if typeset is None: problems.append('MathJax did not finish typesetting in 30 s')
    elif typeset < 0: problems.append('MathJax did not load')
    elif has_math(nb) and not typeset: problems.append('its TeX was not typeset')
    problems += [f'TeX error or undefined macro: {tex}' for tex in d.execute_script(MATH_ERRORS)]
    return problems + log_problems(d, base)

def check_site(proc, js, nbs=ROOT/'nbs'):
    "Render every processed notebook in `proc` (changed in place), serve it with the scripts in `js` and check each page in one browser: a list of 'page: problem'"
    proc = Path(proc)
    (proc/'_js').unlink(missing_ok=True); (proc/'_js').symlink_to(Path(js).resolve(), target_is_directory=True)
    render(proc)
    problems, d = [], chromium()
    try:
        with serve(proc) as base:
            for html in sorted(proc.glob('*.html')):
                src = nbs/f'{html.stem}.ipynb'
                heading = (src.exists() and first_heading(src)) or html.stem
                problems += [f'{html.stem}: {p}' for p in check_page(d, base, html, heading)]
    finally: d.quit()
    return problems

if __name__ == '__main__':
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        proc = shutil.copytree(sys.argv[1], tmp/'site', ignore=shutil.ignore_patterns('_js', '*.html')) if len(sys.argv) > 1 else proc_docs(tmp)
        problems = check_site(proc, page_js(tmp/'js'))
    print('\n'.join(problems) or 'every page fine')
    sys.exit(bool(problems))
