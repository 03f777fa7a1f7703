package dev.affinity.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.affinity.demo.launcher.DemoCluster;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real browser through the proxy: Debian's chromium, headless, driven by its own chromedriver
 * (never a downloaded one). .ci/run installs both when they are missing. Screenshots go to
 * target/screenshots/.
 */
@ExtendWith(ClusterExtension.class)
class BrowserIT {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SCREENSHOTS = Path.of("target", "screenshots");

    private Path profile;
    private WebDriver browser;
    private WebDriverWait wait;

    @BeforeEach
    void openBrowser() throws IOException {
        assertTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "this test needs Debian's chromium and chromium-driver: apt-get install -y chromium chromium-driver");
        profile = Files.createTempDirectory("affinity-chromium");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // As root on these machines: no sandbox, and no background traffic to hosts that cannot be reached.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1000,760", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(20));
        wait = new WebDriverWait(browser, Duration.ofSeconds(10));
    }

    @AfterEach
    void closeBrowser() throws IOException {
        if (browser != null) {
            browser.quit();
        }
        if (profile != null) {
            try (var paths = Files.walk(profile)) {
                paths.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    /** localhost, not 127.0.0.1: cluster.conf gives cookie domains as localhost, as the tutorial does. */
    private static String url(DemoCluster cluster, String path) {
        return "http://localhost:" + cluster.proxyUri().getPort() + path;
    }

    @Test
    void countingThreeTimesStaysOnOneNodeAndCountsThree(DemoCluster cluster) throws IOException {
        browser.get(url(cluster, "/"));
        String node = text("node");
        assertEquals("0", text("visits"));
        for (int click = 1; click <= 3; click++) {
            browser.findElement(By.id("count")).click();
            // The click posts, the node redirects back to /, and the new page shows the count.
            wait.until(ExpectedConditions.textToBe(By.id("visits"), String.valueOf(click)));
            assertEquals(node, text("node"), "click " + click + " was served by the same node");
        }
        assertEquals("3", text("visits"));
        assertEquals("balancer." + node, text("balanceid"), "the browser sends the BALANCEID its node issued");
        screenshot("counter");
    }

    @Test
    void whenItsNodeStopsTheBrowserCarriesOnWithTheSameCounterOnTheOther(DemoCluster cluster) throws Exception {
        browser.get(url(cluster, "/"));
        String node = text("node");
        String other = node.equals("node1") ? "node2" : "node1";
        for (int click = 1; click <= 2; click++) {
            browser.findElement(By.id("count")).click();
            wait.until(ExpectedConditions.textToBe(By.id("visits"), String.valueOf(click)));
        }
        String session = text("session");
        cluster.stopNode(node);
        try {
            browser.findElement(By.id("count")).click();
            // No error page: the other node answers, with the session its peer replicated to it.
            wait.until(ExpectedConditions.textToBe(By.id("node"), other));
            assertEquals("3", text("visits"), "the counter goes on where the stopped node left it");
            assertEquals(session, text("session"));
            screenshot("failover");
            browser.findElement(By.id("count")).click();
            wait.until(ExpectedConditions.textToBe(By.id("visits"), "4"));
            assertEquals("balancer." + other, text("balanceid"), "the browser was re-pinned to " + other);
        } finally {
            cluster.startNode(node);
            InService.await(cluster, node);
        }
    }

    @Test
    void loggingInLandsOnTheProxysWelcomePage(DemoCluster cluster) throws IOException {
        browser.get(url(cluster, "/login"));
        browser.findElement(By.id("name")).clear();
        browser.findElement(By.id("name")).sendKeys("ada");
        browser.findElement(By.id("login")).click();
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("welcome")));
        assertEquals(url(cluster, "/welcome"), browser.getCurrentUrl(), "the node's own address never reached the browser");
        assertEquals("Welcome, ada", text("welcome"));
        screenshot("welcome");
    }

    private String text(String id) {
        return browser.findElement(By.id(id)).getText();
    }

    private void screenshot(String name) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
