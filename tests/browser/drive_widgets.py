"""Drive fastgan's widgets (Sampler, TrainingPanel) in a real browser: headless Chromium through selenium.

The server (JupyterLab 4 or Notebook 7) must already serve NB_DIR/widgets_test.ipynb written by make_notebook.py.
Every wait is bounded; screenshots go to --shots; a JSON summary of every check goes to --shots/results.json.
Exit status: 0 when every check passed, 1 otherwise.

usage: python drive_widgets.py --ui lab --url http://127.0.0.1:8899 --token TOKEN --nb-dir NB_DIR --shots SHOTS
"""
import argparse, hashlib, json, sys, time, traceback
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from browser import chrome
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

ap = argparse.ArgumentParser()
ap.add_argument('--ui', choices=['lab', 'notebook'], default='lab', help='JupyterLab 4 or Notebook 7')
ap.add_argument('--url', default='http://127.0.0.1:8899')
ap.add_argument('--token', default='')
ap.add_argument('--nb-dir', required=True)
ap.add_argument('--shots', required=True)
ap.add_argument('--train-seconds', type=float, default=25., help='how long to let the TrainingPanel train before Stop')
ap.add_argument('--no-train', action='store_true', help='skip the TrainingPanel checks')
args = ap.parse_args()
shots, nb_dir = Path(args.shots), Path(args.nb_dir)
shots.mkdir(parents=True, exist_ok=True)
T0 = time.monotonic()
results = {'ui': args.ui, 'checks': [], 'timings_s': {}, 'console': []}

def log(*a): print(f'[{time.monotonic() - T0:6.1f}s]', *a, flush=True)
def check(name, ok, detail=''):
    results['checks'].append({'name': name, 'ok': bool(ok), 'detail': str(detail)})
    log('PASS' if ok else 'FAIL', name, detail)
    return ok

# --- the browser: headless, loopback only (every other host name resolves to nothing), no background traffic
driver = chrome(shots.parent / 'chrome-profile', shots.parent / 'chromedriver.log')

def shot(name, el=None):
    p = shots / f'{name}.png'
    (el.screenshot(str(p)) if el is not None else driver.save_screenshot(str(p)))
    log('screenshot', p)
    return p

def drain_console(step):
    try: entries = driver.get_log('browser')
    except WebDriverException as e: entries = [{'level': 'ERROR', 'message': f'get_log failed: {e}'}]
    for e in entries: results['console'].append({'step': step, 'level': e.get('level'), 'message': e.get('message')})
    bad = [e for e in entries if e.get('level') in ('SEVERE', 'ERROR')]
    for e in bad: log('console', e.get('level'), e.get('message')[:300])
    return bad

def wait_for(cond, timeout, what, poll=0.1):
    "Poll `cond` until it returns something truthy; None after `timeout` seconds"
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            v = cond()
            if v: return v
        except WebDriverException: pass
        time.sleep(poll)
    log('timed out waiting for', what)
    return None

def js(src, *a): return driver.execute_script(src, *a)

def img_info(img):
    "sha256 of the bytes the <img> shows (fetched from its blob: URL), and its natural size"
    return driver.execute_async_script("""
        const img = arguments[0], done = arguments[arguments.length - 1];
        if (!img.src) return done({hash: null, w: 0, h: 0, src: ''});
        fetch(img.src).then(r => r.arrayBuffer()).then(b => crypto.subtle.digest('SHA-256', b))
          .then(h => done({hash: Array.from(new Uint8Array(h)).map(x => x.toString(16).padStart(2, '0')).join(''),
                           w: img.naturalWidth, h: img.naturalHeight, src: img.src.slice(0, 60)}))
          .catch(e => done({hash: 'error: ' + e, w: img.naturalWidth, h: img.naturalHeight, src: img.src.slice(0, 60)}));""", img)

def watch(img):
    "Record each change of the <img>'s src (time in ms, page clock) in img.__changes"
    js("""const img = arguments[0]; img.__changes = [];
          new MutationObserver(() => img.__changes.push(performance.now())).observe(img, {attributes: true, attributeFilter: ['src']});""", img)

def now_ms(): return js('return performance.now()')

def check_aspect(name, img, tol=0.05):
    "The <img> is drawn with the aspect ratio of its PNG (not stretched by the flex box around it)"
    w, h, nw, nh = js("const r = arguments[0].getBoundingClientRect(); return [r.width, r.height, arguments[0].naturalWidth, arguments[0].naturalHeight]", img)
    ok = nw and nh and abs((w / h) / (nw / nh) - 1) < tol
    results.setdefault('image_boxes', {})[name] = {'shown': [round(w), round(h)], 'png': [nw, nh]}
    return check(f'{name}: shown undistorted', ok, f'PNG {nw}x{nh}, shown {w:.0f}x{h:.0f} (aspect off by {abs((w / h) / (nw / nh) - 1) * 100:.0f}%)')

def changes_since(img, t): return [c for c in js('return arguments[0].__changes || []', img) if c > t]

def wait_redraw(img, t, timeout=20., settle=0.6):
    "Wait for the <img> to change after page time `t`; then until no more changes for `settle` s. Returns (first, last) latency in ms or None"
    if not wait_for(lambda: changes_since(img, t), timeout, 'image redraw'): return None
    n = 0
    while True:
        time.sleep(settle)
        c = changes_since(img, t)
        if len(c) == n: return round(c[0] - t), round(c[-1] - t), len(c)
        n = len(c)

def by_label(root, label):
    "The ipywidgets control box whose description label is `label`"
    return root.find_element(By.XPATH, f".//div[contains(@class,'widget-inline-hbox') or contains(@class,'widget-toggle-buttons')][./label[normalize-space()='{label}']]")

def set_text(inp, text, submit=Keys.ENTER):
    inp.click()
    inp.send_keys(Keys.CONTROL, 'a')
    inp.send_keys(text)
    if submit: inp.send_keys(submit)

def control_step(name, img, action, expect_change=True, timeout=20.):
    "Do `action`, then check that the image changes (or not) and how long the browser took to show it"
    before = img_info(img)
    t = now_ms()
    action()
    r = wait_redraw(img, t, timeout if expect_change else 3.)
    after = img_info(img)
    changed = r is not None and after['hash'] != before['hash']
    lat = None if r is None else r[0]
    results['timings_s'][f'redraw {name}'] = None if r is None else {'first_ms': r[0], 'last_ms': r[1], 'redraws': r[2]}
    ok = check(f'{name}: image {"changed" if expect_change else "unchanged"}', changed == expect_change,
               f'latency {lat} ms, redraws {None if r is None else r[2]}, {before["w"]}x{before["h"]} -> {after["w"]}x{after["h"]}')
    return ok, before, after

def truncated_labels(root):
    "Description labels whose text does not fit (shown cut, with an ellipsis)"
    return js("""return [...arguments[0].querySelectorAll('label.widget-label')].filter(l => l.offsetParent && l.scrollWidth > l.clientWidth + 1)
                 .map(l => l.textContent)""", root)

def cell(i):
    return driver.find_elements(By.CSS_SELECTOR, '.jp-Notebook .jp-Cell.jp-CodeCell')[i]

def outputs(i):
    "The widget root views in cell i's output area"
    c = cell(i)
    return c.find_elements(By.CSS_SELECTOR, '.jp-OutputArea-output .jupyter-widgets.widget-box, .jp-OutputArea-output > .jupyter-widgets')

def stderr_text():
    return [e.text[:500] for e in driver.find_elements(By.CSS_SELECTOR, '[data-mime-type="application/vnd.jupyter.stderr"], .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]

exit_code = 1
try:
    # ---------------------------------------------------------------- open and run
    page = {'lab': '/lab/tree/widgets_test.ipynb', 'notebook': '/notebooks/widgets_test.ipynb'}[args.ui]
    t_open = time.monotonic()
    driver.get(f'{args.url}{page}?token={args.token}')
    cells = wait_for(lambda: len(driver.find_elements(By.CSS_SELECTOR, '.jp-Notebook .jp-Cell.jp-CodeCell')) >= 2, 90, 'notebook cells')
    results['timings_s']['notebook shown'] = round(time.monotonic() - t_open, 1)
    check('notebook opens with its 2 code cells', cells)
    # the kernel: wait until the toolbar's indicator says idle (bounded), a user waits for the same
    idle = wait_for(lambda: js("""const s = document.querySelector('.jp-Notebook-ExecutionIndicator');
                                  return s && s.getAttribute('data-status') === 'idle';"""), 30 if args.ui == 'lab' else 10, 'kernel idle')
    results['timings_s']['kernel idle'] = round(time.monotonic() - t_open, 1)
    shot('01-opened')
    drain_console('open')
    # Run > Run All Cells, through the menu bar as a user clicks it
    t_run = time.monotonic()
    menu = driver.find_element(By.XPATH, "//li[contains(@class,'lm-MenuBar-item')][.//div[contains(@class,'lm-MenuBar-itemLabel') and normalize-space()='Run']]")
    menu.click()
    item = WebDriverWait(driver, 10).until(lambda d: d.find_element(By.XPATH, "//li[contains(@class,'lm-Menu-item')][.//div[contains(@class,'lm-Menu-itemLabel') and normalize-space()='Run All Cells']]"))
    item.click()
    # the sampler's <img>, with bytes in it
    def sampler_img():
        imgs = cell(0).find_elements(By.CSS_SELECTOR, 'img.widget-image')
        return imgs[0] if imgs and js('return arguments[0].naturalWidth', imgs[0]) > 0 else None
    img = wait_for(sampler_img, 180, 'the Sampler image')
    results['timings_s']['run all -> sampler grid shown'] = round(time.monotonic() - t_run, 1)
    if not check('Sampler renders its image grid', img): raise SystemExit('no sampler')
    # until the second cell has run the kernel queues the widgets' messages behind it: wait, so latencies are the sampler's own
    done = wait_for(lambda: [p.text.strip() for p in driver.find_elements(By.CSS_SELECTOR, '.jp-Notebook .jp-CodeCell .jp-InputPrompt')] == ['[1]:', '[2]:'], 180, 'both cells run')
    results['timings_s']['run all -> both cells done'] = round(time.monotonic() - t_run, 1)
    check('Run All Cells: both cells ran ([1]: and [2]:)', done)
    sampler = cell(0)
    js('arguments[0].scrollIntoView()', sampler)
    info0 = img_info(img)
    check('the first grid is 8x8 samples of 28 px (64 samples: 2 + 8*30 = 242 px)', (info0['w'], info0['h']) == (242, 242), info0)
    check_aspect('Sampler grid, 64 samples', img)
    shot('02-sampler-rendered')
    shot('docs-sampler', sampler)  # for the widgets page
    drain_console('sampler rendered')
    watch(img)

    # ---------------------------------------------------------------- seed (IntText)
    seed = by_label(sampler, 'seed').find_element(By.TAG_NAME, 'input')
    control_step('seed typed 7 + Enter', img, lambda: set_text(seed, '7'))
    check('seed field shows 7', seed.get_attribute('value') == '7', seed.get_attribute('value'))
    # typing alone (no Enter) does not redraw: IntText's continuous_update is False
    control_step('seed typed 8, no Enter', img, lambda: set_text(seed, '8', submit=None), expect_change=False)
    control_step('seed 8 committed by Tab (blur)', img, lambda: seed.send_keys(Keys.TAB))
    control_step('seed ArrowUp key in the field', img, lambda: (seed.click(), seed.send_keys(Keys.ARROW_UP)))
    log('seed field now', seed.get_attribute('value'))
    ok, _, after = control_step('seed back to 0 + Enter', img, lambda: set_text(seed, '0'))
    check('seed 0 again gives back the first grid, byte for byte', after['hash'] == info0['hash'])
    shot('03-seed-0')

    # ---------------------------------------------------------------- samples (IntSlider): readout typing and arrow keys
    n_box = by_label(sampler, 'samples')
    readout = n_box.find_element(By.CSS_SELECTOR, '.widget-readout')
    def type_readout():
        readout.click(); readout.send_keys(Keys.CONTROL, 'a'); readout.send_keys('16'); readout.send_keys(Keys.ENTER)
    ok, _, after = control_step('samples readout typed 16 + Enter', img, type_readout)
    check('16 samples draw a 4x4 grid (122 px)', (after['w'], after['h']) == (122, 122), after)
    handle = n_box.find_element(By.CSS_SELECTOR, '.noUi-handle')
    def arrows(h, key, k):
        def f():
            h.click()
            for _ in range(k): h.send_keys(key)
        return f
    ok, _, after = control_step('samples handle ArrowRight x9 (16 -> 25)', img, arrows(handle, Keys.ARROW_RIGHT, 9))
    check('samples readout shows 25 and the grid is 5x5 (152 px)', readout.text.strip() == '25' and after['w'] == 152, f"readout {readout.text!r}, {after['w']} px")
    check_aspect('Sampler grid, 25 samples', img)
    shot('04-samples-25', sampler)

    # ---------------------------------------------------------------- class (Dropdown)
    sel = by_label(sampler, 'class').find_element(By.TAG_NAME, 'select')
    idx = js('return arguments[0].selectedIndex', sel)
    check('class dropdown shows "random" at first', idx == 0, f'selectedIndex {idx} (-1: blank)')
    check('class dropdown offers random and 0..9', [o.text for o in Select(sel).options] == ['random'] + [str(i) for i in range(10)],
          [o.text for o in Select(sel).options])
    control_step('class 3 chosen', img, lambda: Select(sel).select_by_visible_text('3'))
    shot('05-class-3', sampler)
    control_step('class 8 by keyboard (focus + ArrowDown x5)', img, lambda: (sel.click(), [sel.send_keys(Keys.ARROW_DOWN) for _ in range(5)], sel.send_keys(Keys.ENTER)))
    log('class now', js('return arguments[0].value', sel))
    shot('06-class-after-keys', sampler)
    # back to "random": the grid goes back to mixed digits, and the dropdown should say so
    control_step('class random chosen again', img, lambda: Select(sel).select_by_visible_text('random'))
    time.sleep(0.5)
    idx = js('return arguments[0].selectedIndex', sel)
    check('class dropdown shows "random" after choosing it again', idx == 0, f'selectedIndex {idx} (-1: blank)')
    shot('06b-class-random-again', sampler)
    control_step('class 8 chosen', img, lambda: Select(sel).select_by_visible_text('8'))

    # ---------------------------------------------------------------- truncation, walk (FloatSliders), walk-to seed
    t_handle = by_label(sampler, 'truncation').find_element(By.CSS_SELECTOR, '.noUi-handle')
    control_step('truncation ArrowRight x5 (0 -> 0.5)', img, arrows(t_handle, Keys.ARROW_RIGHT, 5))
    log('truncation readout', by_label(sampler, 'truncation').find_element(By.CSS_SELECTOR, '.widget-readout').text)
    w_handle = by_label(sampler, 'walk').find_element(By.CSS_SELECTOR, '.noUi-handle')
    control_step('walk ArrowRight x10 (0 -> 0.5)', img, arrows(w_handle, Keys.ARROW_RIGHT, 10))
    log('walk readout', by_label(sampler, 'walk').find_element(By.CSS_SELECTOR, '.widget-readout').text)
    seed_b = by_label(sampler, 'walk to seed').find_element(By.TAG_NAME, 'input')
    control_step('walk to seed typed 42 + Enter', img, lambda: set_text(seed_b, '42'))
    # drag the walk handle with the mouse, as most users would
    from selenium.webdriver.common.action_chains import ActionChains
    control_step('walk handle dragged right by 60 px', img, lambda: ActionChains(driver).click_and_hold(w_handle).move_by_offset(30, 0).move_by_offset(30, 0).release().perform())
    log('walk readout after drag', by_label(sampler, 'walk').find_element(By.CSS_SELECTOR, '.widget-readout').text)
    weights = sampler.find_elements(By.XPATH, ".//div[contains(@class,'widget-toggle-buttons')]")
    check('weights toggle hidden (the run has one generator, no generator_raw)', all(not w.is_displayed() for w in weights), f'{len(weights)} toggle boxes')
    shot('07-trunc-walk', sampler)

    # ---------------------------------------------------------------- Save PNG
    save = sampler.find_element(By.XPATH, ".//button[normalize-space()='Save PNG']")
    status = sampler.find_elements(By.CSS_SELECTOR, '.widget-html .widget-html-content')[-1]
    fname = nb_dir / 'samples.png'
    t = time.monotonic(); save.click()
    st = wait_for(lambda: status.text.strip(), 10, 'Save PNG status')
    results['timings_s']['Save PNG -> status shown'] = round(time.monotonic() - t, 2)
    check('Save PNG: status says wrote samples.png', st == 'wrote samples.png', repr(st))
    shown = img_info(img)
    check('Save PNG: the file is the grid shown, byte for byte', fname.exists() and hashlib.sha256(fname.read_bytes()).hexdigest() == shown['hash'],
          f'{fname} exists={fname.exists()}')
    save.click()
    st2 = wait_for(lambda: 'already exists' in status.text and status.text, 10, 'second Save PNG status')
    col = js("const s = arguments[0].querySelector('span'); return s ? getComputedStyle(s).color : ''", status)
    check('Save PNG again: refused in red, file kept', st2 and 'already exists' in st2 and col == 'rgb(204, 0, 0)', f'{st2!r} color={col}')
    fn_inp = by_label(sampler, 'file').find_element(By.TAG_NAME, 'input')
    set_text(fn_inp, 'grid.jpg', submit=Keys.TAB)  # Text commits on Enter or blur
    save.click()
    st3 = wait_for(lambda: 'expected a file name ending in .png' in status.text and status.text, 10, 'jpg refusal')
    check('Save PNG as grid.jpg: refused', st3, repr(status.text))
    shot('08-save-png', sampler)
    cut = truncated_labels(sampler)
    check('Sampler: every control label is shown whole', not cut, f'cut: {cut}')
    shown_state = {'seed': int(seed.get_attribute('value')), 'n': int(readout.text), 'label': js('return arguments[0].value', sel) or 'random',
                   'truncation': float(by_label(sampler, 'truncation').find_element(By.CSS_SELECTOR, '.widget-readout').text),
                   'seed_b': int(seed_b.get_attribute('value')), 'walk': float(by_label(sampler, 'walk').find_element(By.CSS_SELECTOR, '.widget-readout').text),
                   'hash': shown['hash']}
    results['sampler_state_shown'] = shown_state
    drain_console('sampler done')
    check('no stderr output in the notebook after the Sampler checks', not stderr_text(), stderr_text())

    # ---------------------------------------------------------------- TrainingPanel
    if not args.no_train:
        panel = wait_for(lambda: cell(1).find_elements(By.XPATH, ".//button[normalize-space()='Start']") and cell(1), 120, 'the TrainingPanel')
        if not check('TrainingPanel renders (Start button present)', panel): raise SystemExit('no panel')
        js('arguments[0].scrollIntoView()', panel)
        start = panel.find_element(By.XPATH, ".//button[normalize-space()='Start']")
        stop = panel.find_element(By.XPATH, ".//button[normalize-space()='Stop']")
        dev = Select(by_label(panel, 'device').find_element(By.TAG_NAME, 'select'))
        check('device dropdown lists the devices present', dev.options and dev.options[0].text == 'CPU', [o.text for o in dev.options])
        preset = Select(by_label(panel, 'preset').find_element(By.TAG_NAME, 'select'))
        bs = by_label(panel, 'batch size').find_element(By.TAG_NAME, 'input')
        lr = by_label(panel, 'learning rate').find_element(By.TAG_NAME, 'input')
        bs0, lr0 = bs.get_attribute('value'), lr.get_attribute('value')
        preset.select_by_visible_text('dcgan')
        changed = wait_for(lambda: bs.get_attribute('value') != bs0 and bs.get_attribute('value'), 10, 'preset fill')
        check('preset dcgan fills batch size 128 and its lr', changed == '128', f'bs {bs0} -> {bs.get_attribute("value")}, lr {lr0} -> {lr.get_attribute("value")}')
        preset.select_by_visible_text('fastgan')
        check('preset fastgan back: batch size 32', wait_for(lambda: bs.get_attribute('value') == '32', 10, 'preset back'), bs.get_attribute('value'))
        check('Stop disabled before Start', not stop.is_enabled())
        broken = js("""return [...arguments[0].querySelectorAll('img.widget-image')].filter(i => i.offsetParent && !i.naturalWidth).length""", panel)
        check('before Start: no empty image boxes (broken-image icons)', broken == 0, f'{broken} <img> shown with no image')
        cut = truncated_labels(panel)
        check('TrainingPanel: every control label is shown whole', not cut, f'cut: {cut}')
        shot('09-panel-before-start', panel)
        imgs = panel.find_elements(By.CSS_SELECTOR, 'img.widget-image')
        loss_img, samp_img = imgs[0], imgs[1]
        watch(loss_img); watch(samp_img)
        t_start_ms, t_start = now_ms(), time.monotonic()
        start.click()
        pstatus = panel.find_elements(By.CSS_SELECTOR, '.widget-html .widget-html-content')[0]
        st = wait_for(lambda: 'training on' in pstatus.text and pstatus.text, 30, 'training status')
        results['timings_s']['Start -> "training on" status'] = round(time.monotonic() - t_start, 2)
        check('Start: status "training on cpu into .../run-001"', st and 'run-001' in st, repr(pstatus.text))
        check('Start disabled, Stop enabled while training', wait_for(lambda: not start.is_enabled() and stop.is_enabled(), 10, 'button states'))
        first = wait_for(lambda: changes_since(loss_img, t_start_ms), 60, 'first loss plot')
        results['timings_s']['Start -> first loss plot'] = round(time.monotonic() - t_start, 1)
        check('live loss plot appears', first)
        prog = panel.find_element(By.CSS_SELECTOR, '.widget-hprogress .progress-bar, .progress-bar')
        def pct(): return js('return arguments[0].style.width', prog)
        time.sleep(3)
        shot('10-training-early', panel)
        p1 = pct()
        # the sampler while the panel trains: does the notebook stay responsive?
        js('arguments[0].scrollIntoView()', sampler)
        # at walk 1 the grid is all the second seed's: the seed would change nothing, so walk back to 0 first
        control_step('walk handle ArrowLeft x20 (-> 0), while training', img, arrows(w_handle, Keys.ARROW_LEFT, 20), timeout=30)
        control_step('seed typed 3 + Enter, while training', img, lambda: set_text(seed, '3'), timeout=30)
        js('arguments[0].scrollIntoView()', panel)
        left = args.train_seconds - (time.monotonic() - t_start)
        if left > 0: time.sleep(left)
        p2 = pct()
        nl, ns = len(changes_since(loss_img, t_start_ms)), len(changes_since(samp_img, t_start_ms))
        el = time.monotonic() - t_start
        results['timings_s']['training refreshes'] = {'seconds': round(el, 1), 'loss plot': nl, 'samples': ns}
        check('loss plot and samples refresh while training (about every `refresh`=1 s)', nl >= 5 and ns >= 5, f'{nl} loss plots, {ns} sample grids in {el:.0f} s; progress {p1} -> {p2}')
        check('progress bar advances', p1 != p2, f'{p1} -> {p2}')
        li, si = img_info(loss_img), img_info(samp_img)
        # the fixed-noise grid of a 10-class run: n_fixed = 60, one column per class: 10x6 cells of 30 px
        check('loss plot 320x208 and fixed-noise grid 10x6 (302x182)', (li['w'], li['h']) == (320, 208) and (si['w'], si['h']) == (302, 182), f'loss {li["w"]}x{li["h"]}, samples {si["w"]}x{si["h"]}')
        check_aspect('TrainingPanel loss plot', loss_img)
        check_aspect('TrainingPanel fixed-noise grid', samp_img)
        shot('11-training-live', panel)
        shot('docs-panel', panel)  # for the widgets page
        t_stop = time.monotonic()
        stop.click()
        st = wait_for(lambda: 'stopped after' in pstatus.text and pstatus.text, 60, 'stopped status')
        results['timings_s']['Stop -> "stopped" status'] = round(time.monotonic() - t_stop, 2)
        check('Stop: status "stopped after N epochs and M batches; run in ..."', st, repr(pstatus.text))
        check('after Stop: Start enabled again, Stop disabled', wait_for(lambda: start.is_enabled() and not stop.is_enabled(), 30, 'buttons back'))
        # the panel opens a Sampler on the learner, with EMA/raw
        tog = wait_for(lambda: panel.find_elements(By.XPATH, ".//div[contains(@class,'widget-toggle-buttons')]//button[normalize-space()='raw']"), 30, 'sampler under the panel')
        results['timings_s']['Stop -> sampler under the panel'] = round(time.monotonic() - t_stop, 2)
        check('after Stop: a Sampler opens under the panel with EMA/raw toggle', tog)
        run = nb_dir / 'runs' / 'run-001'
        check('the run directory holds a checkpoint', run.is_dir() and any(run.iterdir()), sorted(p.name for p in run.iterdir()) if run.is_dir() else 'missing')
        if tog:
            psamp_img = panel.find_elements(By.CSS_SELECTOR, 'img.widget-image')[-1]
            psel = by_label(panel, 'class').find_element(By.TAG_NAME, 'select')
            idx = js('return arguments[0].selectedIndex', psel)
            check('panel Sampler: class dropdown shows "random"', idx == 0, f'selectedIndex {idx}, options {len(Select(psel).options)}')
            watch(psamp_img)
            js('arguments[0].scrollIntoView()', panel)
            time.sleep(0.5)
            shot('12a-panel-sampler-ema', panel)
            control_step('panel sampler: weights raw clicked', psamp_img, lambda: tog[0].click())
            check_aspect('panel Sampler grid', psamp_img)
        js('arguments[0].scrollIntoView()', panel)
        shot('12-after-stop', panel)
        shot('13-after-stop-page')
        drain_console('training done')
        check('no stderr output in the notebook after training', not stderr_text(), stderr_text())
    # the grid the browser showed is the one the Python API draws for the values the controls showed (checked last: it loads torch here)
    from fastgan.widgets import Sampler
    st = shown_state
    ref = Sampler(nb_dir / 'demo_run', n=st['n'], seed=st['seed'])
    ref.label.index = [o[0] for o in ref.label.options].index(st['label'])  # by its label: what the value behind 'random' is, is the widget's business
    ref.truncation.value, ref.seed_b.value, ref.walk.value = st['truncation'], st['seed_b'], st['walk']
    check('the grid shown in the browser = Sampler(...) in Python with the values the controls show', hashlib.sha256(ref.image.value).hexdigest() == st['hash'], st)
    exit_code = 0 if all(c['ok'] for c in results['checks']) else 1
except (Exception, SystemExit) as e:
    results['error'] = ''.join(traceback.format_exception(e))
    log('ERROR', results['error'])
    try: shot('99-error')
    except Exception: pass
finally:
    drain_console('end')
    results['timings_s']['total'] = round(time.monotonic() - T0, 1)
    (shots / 'results.json').write_text(json.dumps(results, indent=1))
    n_ok = sum(c['ok'] for c in results['checks'])
    print(f"{n_ok} passed, {len(results['checks']) - n_ok} failed")
    severe = [c for c in results['console'] if c['level'] in ('SEVERE', 'ERROR')]
    print(f'browser console: {len(results["console"])} entries, {len(severe)} SEVERE')
    driver.quit()
sys.exit(exit_code)
