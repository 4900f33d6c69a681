"""The explore page in a real browser: headless Chromium (Debian's chromium and chromium-driver)
driven by Selenium against uvicorn on 127.0.0.1.

It loads the page, types a word, picks it from the completion list, reads its neighbours, clicks
a point on the map, solves an analogy, asks the model for predictions and saves a screenshot.
"""

from __future__ import annotations

import lzma
import threading
import time
from pathlib import Path

import pytest

from w2v.explore import Explorer
from w2v.explore.server import make_server
from w2v.word2vec import Word2Vec

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WAIT = 30  # seconds; generous for a loaded shared machine


@pytest.fixture(scope="module")
def model(bundled_data) -> Word2Vec:
    with lzma.open(bundled_data / "sample.txt.xz", "rt", encoding="utf-8") as f:
        lines = [line.split() for _, line in zip(range(3000), f, strict=False)]
    return Word2Vec(
        lines, vector_size=24, min_count=5, sg=1, hs=1, negative=5, epochs=2, workers=1, seed=1
    )


@pytest.fixture(scope="module")
def url(model, tmp_path_factory):
    path = tmp_path_factory.mktemp("browser") / "sample-model.w2v"
    model.save(path)
    server, sock, url = make_server(Explorer.open(path), "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + WAIT
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield url
    server.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    for exe in (CHROMIUM, CHROMEDRIVER):
        if not exe.exists():
            pytest.fail(f"{exe} is missing: sh tests/setup.sh installs it (Debian's chromium)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tmp_path_factory.mktemp("chromium-profile")
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--no-proxy-server",
        "--disable-default-apps",
        f"--user-data-dir={profile}",
        "--window-size=1400,1000",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(WAIT)
    yield driver
    driver.quit()


def wait_for(driver, condition, what: str):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT, poll_frequency=0.1).until(
        lambda d: condition(d), message=f"timed out waiting for {what}"
    )


def neighbour_words(driver) -> list[str]:
    from selenium.webdriver.common.by import By

    return [a.text for a in driver.find_elements(By.CSS_SELECTOR, "#neighbours tbody a")]


def test_look_up_a_word_then_click_the_map(browser, url, model, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    d = browser
    d.get(url)
    wait_for(d, lambda d: d.execute_script("return document.body.dataset.ready"), "the page")
    assert "full model" in d.find_element(By.ID, "source").text
    # the first map: the most frequent words
    wait_for(
        d,
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "#map circle.point")) == 40,
        "the map of frequent words",
    )

    box = d.find_element(By.ID, "word")
    box.send_keys("kin")
    option = wait_for(
        d,
        lambda d: d.find_elements(By.CSS_SELECTOR, '.suggestions li[data-word="king"]'),
        "'king' among the completions",
    )[0]
    option.click()
    wait_for(d, lambda d: len(neighbour_words(d)) == 15, "the neighbours of 'king'")
    want = [w for w, _ in model.wv.most_similar("king", topn=15)]
    assert neighbour_words(d) == want
    scores = d.find_elements(By.CSS_SELECTOR, "#neighbours tbody .value")
    assert float(scores[0].text) == pytest.approx(
        model.wv.most_similar("king", topn=1)[0][1], abs=5e-4
    )
    query = wait_for(
        d,
        lambda d: d.find_elements(By.CSS_SELECTOR, "#map circle.point.query"),
        "the map of king's neighbourhood",
    )
    assert query[0].get_attribute("data-word") == "king"
    d.save_screenshot(str(tmp_path / "explore-king.png"))

    # clicking a neighbour's point looks that word up
    target = want[2]
    point = d.find_element(By.CSS_SELECTOR, f'#map circle.point[data-word="{target}"]')
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", point)
    point.click()
    wait_for(
        d,
        lambda d: d.find_element(By.ID, "word").get_attribute("value") == target,
        f"the click on {target!r}",
    )
    wait_for(
        d,
        lambda d: neighbour_words(d) == [w for w, _ in model.wv.most_similar(target, topn=15)],
        f"the neighbours of {target!r}",
    )
    assert d.current_url.endswith("#word=" + target)

    # an unknown word: a message, not a crash
    box = d.find_element(By.ID, "word")
    box.clear()
    box.send_keys("qqqzzz", Keys.ENTER)
    status = d.find_element(By.ID, "lookup-status")
    wait_for(d, lambda d: "not in the vocabulary" in status.text, "the unknown-word message")
    assert "error" in status.get_attribute("class")

    # analogy and predictions
    for field, word in (("analogy-a", "man"), ("analogy-b", "king"), ("analogy-c", "woman")):
        d.find_element(By.ID, field).send_keys(word)
    d.find_element(By.ID, "analogy-c").send_keys(Keys.ENTER)
    best = model.wv.most_similar(positive=["king", "woman"], negative=["man"], topn=1)[0][0]
    wait_for(
        d,
        lambda d: d.find_element(By.CSS_SELECTOR, "#analogy-status strong").text == best,
        "the analogy",
    )
    context = d.find_element(By.ID, "context-word")
    context.clear()
    context.send_keys("king", Keys.ENTER)
    predicted = [w for w, _ in model.predict_context("king", topn=10)]
    wait_for(
        d,
        lambda d: (
            [a.text for a in d.find_elements(By.CSS_SELECTOR, "#predictions tbody a")] == predicted
        ),
        "the predictions",
    )
    assert d.find_elements(By.CSS_SELECTOR, "#loss circle.dot")  # the loss curve is drawn

    d.execute_script("window.scrollTo(0, 0)")
    shot = tmp_path / "explore.png"
    assert d.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
    problems = [
        e for e in d.get_log("browser") if e["level"] == "SEVERE" and "404" not in e["message"]
    ]
    assert not problems, problems  # the unknown word's 404 is logged, and expected


def test_map_zoom_and_pan_move_the_points(browser, url):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.actions.wheel_input import ScrollOrigin
    from selenium.webdriver.common.by import By

    d = browser
    d.get(url)
    wait_for(d, lambda d: d.execute_script("return document.body.dataset.ready"), "the page")
    point = d.find_element(By.CSS_SELECTOR, "#map circle.point")
    before = float(point.get_attribute("cx")), float(point.get_attribute("cy"))
    svg = d.find_element(By.ID, "map")
    ActionChains(d).move_to_element(svg).click_and_hold().move_by_offset(80, 40).release().perform()
    wait_for(d, lambda d: float(point.get_attribute("cx")) != before[0], "the pan")
    after = float(point.get_attribute("cx")), float(point.get_attribute("cy"))
    assert after[0] - before[0] == pytest.approx(80, abs=2)
    assert after[1] - before[1] == pytest.approx(40, abs=2)
    origin = ScrollOrigin.from_element(svg)
    ActionChains(d).scroll_from_origin(origin, 0, -600).perform()  # the wheel zooms in
    wait_for(d, lambda d: float(point.get_attribute("cx")) != after[0], "the zoom")
    visible = d.find_elements(By.CSS_SELECTOR, "#map text.label:not(.hidden-label)")
    assert visible  # labels are placed again after the zoom


def test_unknown_word_offers_its_close_forms_and_the_map_says_why(browser, url, model):
    from selenium.webdriver.common.by import By

    d = browser
    d.get("about:blank")
    d.get(url + "#word=King")
    wait_for(d, lambda d: d.execute_script("return document.body.dataset.ready"), "the page")
    status = d.find_element(By.ID, "lookup-status")
    assert status.text.startswith("“King” is not in the vocabulary. Did you mean king")
    caption = d.find_element(By.ID, "map-caption").text
    assert caption.startswith("No map of “King”: it is not in the vocabulary. Shown instead:")
    assert d.find_elements(By.CSS_SELECTOR, "#map circle.point")  # not left blank
    status.find_element(By.LINK_TEXT, "king").click()  # a suggestion looks the word up
    want = [w for w, _ in model.wv.most_similar("king", topn=15)]
    wait_for(d, lambda d: neighbour_words(d) == want, "the neighbours of 'king'")
    assert d.current_url.endswith("#word=king")
