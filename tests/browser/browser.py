"What the real-browser tests share: whether they can run here, and a headless Chromium that reaches loopback only"
import os, shutil
import pytest

REQUIRED = os.environ.get('FASTGAN_BROWSER_TESTS') == 'required'  # set by .ci/run: there a missing browser is a failure, not a skip
CHROMIUM, CHROMEDRIVER = shutil.which('chromium'), shutil.which('chromedriver')

def need(ok, why:str):
    "Skip the test with `why` unless `ok`; fail instead where the browser tests are required"
    if ok: return
    if REQUIRED: pytest.fail(f'{why} (FASTGAN_BROWSER_TESTS=required)')
    pytest.skip(why)

def need_browser(*modules):
    "Debian's chromium and chromium-driver, and the Python `modules`, or skip saying which is missing"
    need(CHROMIUM and CHROMEDRIVER, 'needs Debian chromium and chromium-driver (apt-get install chromium chromium-driver)')
    for m in modules:
        try: __import__(m)
        except ImportError: need(False, f'needs {m} (pip install -e ".[dev]")')

CHROME_ARGS = ['--headless=new', '--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run', '--no-default-browser-check',
               '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-default-apps', '--disable-extensions',
               '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1']  # no host but loopback resolves

def chrome(profile, log, size='1500,1900'):
    "A selenium driver on headless Chromium that keeps the browser console; every page wait bounded"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in CHROME_ARGS + [f'--window-size={size}', f'--user-data-dir={profile}']: opts.add_argument(a)
    opts.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    d = webdriver.Chrome(service=Service(CHROMEDRIVER, log_output=str(log)), options=opts)
    d.set_script_timeout(30); d.set_page_load_timeout(60)
    return d
