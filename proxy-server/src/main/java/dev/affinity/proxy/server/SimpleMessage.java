package dev.affinity.proxy.server;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.http.HttpParser.State;
import org.eclipse.jetty.util.BufferUtil;

/**
 * One message of the common shape, from a head already checked to its end, for
 * {@link MemberResponseParser} and {@link ClientRequestParser}: the events Jetty's {@link HttpParser}
 * gives for it, in its order, with its stops, and its state where Jetty's parser would be in it.
 * <ul>
 *   <li>The head: messageBegin(), the start line and each field, headerComplete().</li>
 *   <li>The body, up to its Content-Length (none without one): a view of each buffer's share, each given
 *       to content(); then contentComplete().</li>
 *   <li>messageComplete(), after which CR and LF are dropped and the next message waits for a reset.</li>
 * </ul>
 * A handler method that returns true stops the parsing there; the next call goes on from that step,
 * and a contentComplete() that stops leaves messageComplete() to the next call, as in Jetty 12.1. A
 * handler method that throws ends the parsing: the message is reported cut short once its head was
 * handed on, else as a bad message. The peer's close mid-body cuts it short too.
 *
 * <p>Not thread-safe: one per connection, reused for each message.
 */
final class SimpleMessage {

    private final HttpParser.HttpHandler handler;
    private final int badStatus;
    private final String badReason;
    /**
     * As Jetty's parser's: START, HEADER while the head is handed on, CONTENT, CONTENT_END, END, CLOSE
     * after a failure or a close, CLOSED after the peer's close.
     */
    private State state = State.START;
    /** Whether the head was read to its end, where Jetty's parser learns whether there is a body. */
    private boolean headRead;
    private long contentLength = -1;
    private long contentRead;

    /** @param badStatus and {@code badReason}: Jetty's report of a handler's failure before the head is handed on */
    SimpleMessage(HttpParser.HttpHandler handler, int badStatus, String badReason) {
        this.handler = handler;
        this.badStatus = badStatus;
        this.badReason = badReason;
    }

    State state() {
        return state;
    }

    boolean headRead() {
        return headRead;
    }

    /** The Content-Length, or -1 for none. */
    long contentLength() {
        return contentLength;
    }

    long contentRead() {
        return contentRead;
    }

    /** Whether a failure, a close or the peer's close ended the parsing: a reset does not undo it. */
    boolean ended() {
        return state == State.CLOSE || state == State.CLOSED;
    }

    /** Ready for the next message, unless the parsing {@link #ended()}. */
    void reset() {
        if (ended()) {
            return;
        }
        state = State.START;
        headRead = false;
        contentLength = -1;
        contentRead = 0;
    }

    /** Parsing ends here, as Jetty's close(): the message's counts kept. */
    void close() {
        state = State.CLOSE;
    }

    /**
     * A new message whose head, of {@code headLength} bytes at the buffer's position, {@code emit} gives
     * to the handler; then as much of the rest as the buffer holds. As {@link HttpParser#parseNext}:
     * true when a handler method asked to stop.
     */
    boolean begin(ByteBuffer buffer, int headLength, long contentLength, Runnable emit) {
        handler.messageBegin();
        state = State.HEADER;
        try {
            emit.run();
            buffer.position(buffer.position() + headLength);
            this.contentLength = contentLength;
            headRead = true;
            boolean stop = handler.headerComplete();
            // Past HEADER only once the head is handed on: a headerComplete() that throws is a bad message.
            // As Jetty, CONTENT even without a body, which the next step finds complete.
            state = State.CONTENT;
            if (stop) {
                return true;
            }
        } catch (Throwable x) {
            return failed(buffer, x);
        }
        return content(buffer, false);
    }

    /** The message's next steps, as far as the buffer goes; once begun. */
    boolean parseNext(ByteBuffer buffer, boolean eof) {
        return switch (state) {
            case CONTENT -> content(buffer, eof);
            case CONTENT_END -> complete(buffer, eof);
            case END -> end(buffer, eof);
            default -> closed(buffer, eof);
        };
    }

    /** The body, up to its length, as Jetty delivers it: a view of each buffer's share. */
    private boolean content(ByteBuffer buffer, boolean eof) {
        try {
            while (contentRead < contentLength) {
                int remaining = buffer.remaining();
                if (remaining == 0) {
                    if (eof) {
                        state = State.CLOSED;
                        handler.earlyEOF();
                    }
                    return false;
                }
                int length = (int) Math.min(remaining, contentLength - contentRead);
                ByteBuffer chunk = buffer.slice(buffer.position(), length);
                contentRead += length;
                buffer.position(buffer.position() + length);
                if (handler.content(chunk)) {
                    return true;
                }
            }
            state = State.CONTENT_END;
            if (handler.contentComplete()) {
                return true; // as Jetty: messageComplete() comes with the next call
            }
        } catch (Throwable x) {
            return failed(buffer, x);
        }
        return complete(buffer, eof);
    }

    private boolean complete(ByteBuffer buffer, boolean eof) {
        state = State.END;
        try {
            if (handler.messageComplete()) {
                return true;
            }
        } catch (Throwable x) {
            return failed(buffer, x);
        }
        return end(buffer, eof);
    }

    /** As Jetty: CR and LF after a message are dropped; the next message waits for the reset. */
    private boolean end(ByteBuffer buffer, boolean eof) {
        while (buffer.hasRemaining() && isLineEnd(buffer.get(buffer.position()))) {
            buffer.get();
        }
        if (eof && !buffer.hasRemaining()) {
            state = State.CLOSED;
        }
        return false;
    }

    /** As Jetty: nothing more is parsed, and the peer's close ends it. */
    private boolean closed(ByteBuffer buffer, boolean eof) {
        BufferUtil.clear(buffer);
        if (eof) {
            state = State.CLOSED;
        }
        return false;
    }

    private static boolean isLineEnd(byte b) {
        return b == '\r' || b == '\n';
    }

    /**
     * A handler method threw: as Jetty's parser, drop what is buffered, end the parsing, and report it,
     * as the message cut short once its head was handed on, else as a bad message.
     */
    private boolean failed(ByteBuffer buffer, Throwable x) {
        boolean headHandedOn = state != State.HEADER;
        BufferUtil.clear(buffer);
        state = State.CLOSE;
        if (headHandedOn) {
            handler.earlyEOF();
        } else {
            handler.badMessage(x instanceof HttpException failure ? failure
                    : new HttpException.RuntimeException(badStatus, badReason, x));
        }
        return false;
    }
}
