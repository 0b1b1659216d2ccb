package io.prism.launcher.demo;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends every service's log lines to one file instead of the console while the demo runs, so the console shows only
 * the demo's progress and summary: the root logger's console appenders (logback.xml) are detached and a file appender
 * with the same pattern takes their place; {@link #close()} puts them back. Levels stay as logback.xml sets them.
 */
final class ServiceLog implements AutoCloseable {
    private final ch.qos.logback.classic.Logger root;
    private final FileAppender<ILoggingEvent> file;
    private final List<Appender<ILoggingEvent>> detached;

    private ServiceLog(ch.qos.logback.classic.Logger root, FileAppender<ILoggingEvent> file, List<Appender<ILoggingEvent>> detached) {
        this.root = root;
        this.file = file;
        this.detached = detached;
    }

    /** Redirects the console's log lines to {@code path} (truncated); a no-op where logback is not the SLF4J provider. */
    static ServiceLog redirectTo(Path path) {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (!(factory instanceof LoggerContext ctx)) return new ServiceLog(null, null, List.of());
        ch.qos.logback.classic.Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(ctx);
        encoder.setPattern("%d{HH:mm:ss.SSS} %-5level [%thread] %logger{24} - %msg%n");
        encoder.start();
        FileAppender<ILoggingEvent> file = new FileAppender<>();
        file.setContext(ctx);
        file.setName("prism-demo-file");
        file.setFile(path.toString());
        file.setAppend(false);
        file.setEncoder(encoder);
        file.start();
        root.addAppender(file);
        List<Appender<ILoggingEvent>> console = new ArrayList<>();
        for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
            Appender<ILoggingEvent> a = it.next();
            if (a instanceof ConsoleAppender) console.add(a);
        }
        console.forEach(root::detachAppender);
        return new ServiceLog(root, file, console);
    }

    @Override
    public void close() {
        if (root == null) return;
        detached.forEach(root::addAppender);
        root.detachAppender(file);
        file.stop();
    }
}
