package io.prism.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.prism.results.bench.SyntheticResults;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Opens the contact sheet in headless Chromium (Debian package {@code chromium}) for a processed job whose frames
 * and results are real EXR/PNG blobs, and checks from the rendered DOM that every image decoded
 * ({@code naturalWidth > 0}, counted by the page itself) and none is broken. Takes a screenshot into
 * {@code target/contact-sheet.png}; with {@code -Dprism.update.docs=true} also into the repository's
 * {@code docs/contact-sheet.png}. Skipped when no Chromium is installed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContactSheetBrowserTest {
    static final int FRAMES = 12;
    RunningApi api;
    Path chromium;

    @BeforeAll
    void start() throws Exception {
        chromium = List.of(System.getenv().getOrDefault("PRISM_CHROMIUM", "/usr/bin/chromium"), "/usr/bin/chromium-browser")
                .stream().map(Path::of).filter(Files::isExecutable).findFirst().orElse(null);
        assumeTrue(chromium != null, "chromium is not installed (apt-get install -y chromium)");
        api = new RunningApi(false);
        TestImages.Stored images = TestImages.store(api.context.blobs(), 6);
        // job "sheet-002" (even) has all its frames processed, with albedo + mask + uncertainty for each
        SyntheticResults.load(ResultsApiService.plainDataSource(api.context.database()), "sheet", 2, FRAMES, images.blobs());
    }

    @AfterAll
    void stop() throws Exception {
        if (api != null) api.close();
    }

    @Test
    void contactSheetShowsEveryFramesBeautyAlbedoMaskAndUncertaintyLoaded() throws Exception {
        String url = api.base() + "/ui/#job=sheet-002&token=" + RunningApi.READER;
        String dom = chromium(url, "--dump-dom");
        assertThat(attribute(dom, "data-frames")).as(dom).isEqualTo(Integer.toString(FRAMES));
        assertThat(attribute(dom, "data-failed")).as("broken images").isEqualTo("0");
        assertThat(attribute(dom, "data-pending")).isEqualTo("0");
        assertThat(attribute(dom, "data-loaded")).isEqualTo(Integer.toString(FRAMES * 4));
        assertThat(count(dom, "data-state=\"loaded\"")).isEqualTo(FRAMES * 4);
        assertThat(count(dom, "data-state=\"broken\"")).isZero();
        assertThat(dom).contains("albedo · model v2").contains("mask · model v1");
        Matcher widths = Pattern.compile("data-natural-width=\"(\\d+)\"").matcher(dom);
        while (widths.find()) {
            assertThat(Integer.parseInt(widths.group(1))).isPositive();
        }

        Path shot = Path.of("target", "contact-sheet.png").toAbsolutePath();
        Files.deleteIfExists(shot);
        chromium(url, "--screenshot=" + shot, "--window-size=1280,900", "--hide-scrollbars");
        BufferedImage png = ImageIO.read(shot.toFile());
        assertThat(png.getWidth()).isEqualTo(1280);
        if (Boolean.getBoolean("prism.update.docs")) {
            Path docs = Path.of(System.getProperty("prism.repo.dir", "..")).resolve("docs");
            Files.createDirectories(docs);
            Files.copy(shot, docs.resolve("contact-sheet.png"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Test
    void modelsViewShowsEveryTaskWithMetricHistory() throws Exception {
        String dom = chromium(api.base() + "/ui/#view=models&token=" + RunningApi.READER, "--dump-dom");
        assertThat(attribute(dom, "data-models")).as(dom).isEqualTo("2");
        assertThat(dom).contains("albedo — active v2").contains("holdout_psnr").contains("<polyline");
        if (Boolean.getBoolean("prism.update.docs")) {
            Path shot = Path.of("target", "contact-sheet-models.png").toAbsolutePath();
            chromium(api.base() + "/ui/#view=models&token=" + RunningApi.READER, "--screenshot=" + shot, "--window-size=1280,900", "--hide-scrollbars");
            Path docs = Path.of(System.getProperty("prism.repo.dir", "..")).resolve("docs");
            Files.createDirectories(docs);
            Files.copy(shot, docs.resolve("contact-sheet-models.png"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Runs headless Chromium on the page; virtual time lets the page's fetches and image decodes finish first. */
    private String chromium(String url, String... extra) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("chromium-profile-");
        List<String> cmd = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--virtual-time-budget=20000"));
        cmd.addAll(List.of(extra));
        cmd.add(url);
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("chromium finished").isTrue();
        return new String(out, StandardCharsets.UTF_8);
    }

    private static String attribute(String dom, String name) {
        Matcher m = Pattern.compile("<body[^>]*\\s" + name + "=\"([^\"]*)\"").matcher(dom);
        return m.find() ? m.group(1) : null;
    }

    private static int count(String dom, String needle) {
        int n = 0;
        for (int i = dom.indexOf(needle); i >= 0; i = dom.indexOf(needle, i + 1)) n++;
        return n;
    }
}
