package dev.affinity.filter.core.scenarios;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.stream.Collectors;

/**
 * Thread-safe. Records what one java.util.logging logger (and its children) logs while open. The
 * filter logs through {@code System.Logger}, which the JDK sends to java.util.logging; Tomcat's
 * JULI does too.
 */
public final class LogCapture implements AutoCloseable {

    private static final SimpleFormatter FORMAT = new SimpleFormatter();

    /** Held strongly: java.util.logging keeps loggers weakly, and a collected one loses its handler. */
    private final Logger logger;
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private LogCapture(String loggerName) {
        logger = Logger.getLogger(loggerName);
        handler.setLevel(Level.ALL);
        logger.addHandler(handler);
    }

    public static LogCapture of(String loggerName) {
        return new LogCapture(loggerName);
    }

    /** The formatted messages logged at exactly this level. */
    public List<String> messages(Level level) {
        return records.stream().filter(r -> r.getLevel().equals(level)).map(LogCapture::text)
                .collect(Collectors.toList());
    }

    /** Every record's message and the messages of its exception chain, one line each. */
    public String everything() {
        StringBuilder all = new StringBuilder();
        for (LogRecord record : records) {
            all.append(record.getLevel()).append(' ').append(text(record)).append('\n');
            for (Throwable t = record.getThrown(); t != null; t = t.getCause()) {
                all.append("  ").append(t).append('\n');
            }
        }
        return all.toString();
    }

    private static String text(LogRecord record) {
        return FORMAT.formatMessage(record);
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
    }
}
