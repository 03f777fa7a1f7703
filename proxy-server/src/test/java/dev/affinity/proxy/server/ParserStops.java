package dev.affinity.proxy.server;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a test's handler stops a parser (returns true), Jetty's or one of ours: at the end of the head,
 * at each piece of the body, at the body's end, at the message's end, in any combination. The tests
 * that compare two parsers try every one, with the message cut in two at each place {@link #cuts} gives.
 */
record ParserStops(int bits) {

    static final int AT_HEAD = 1;
    static final int AT_EACH_PIECE = 2;
    static final int AT_BODY_END = 4;
    static final int AT_END = 8;
    /** How many combinations there are: the bits from 0 to this, exclusive. */
    static final int ALL = 16;
    static final ParserStops NOWHERE = new ParserStops(0);

    /**
     * Where the tests cut a message of {@code length} bytes in two: nowhere, then after every byte (every
     * 97th in messages over 4000 bytes, which is enough).
     */
    static List<List<Integer>> cuts(int length) {
        List<List<Integer>> cuts = new ArrayList<>();
        cuts.add(List.of());
        int step = length > 4000 ? 97 : 1;
        for (int at = 1; at < length; at += step) {
            cuts.add(List.of(at));
        }
        return cuts;
    }

    boolean atHead() {
        return (bits & AT_HEAD) != 0;
    }

    boolean atEachPiece() {
        return (bits & AT_EACH_PIECE) != 0;
    }

    boolean atBodyEnd() {
        return (bits & AT_BODY_END) != 0;
    }

    boolean atEnd() {
        return (bits & AT_END) != 0;
    }

    @Override
    public String toString() {
        String at = (atHead() ? " head" : "") + (atEachPiece() ? " pieces" : "") + (atBodyEnd() ? " body's-end" : "")
                + (atEnd() ? " end" : "");
        return at.isEmpty() ? "nowhere" : at.substring(1);
    }
}
