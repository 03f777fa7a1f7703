package dev.affinity.proxy.balancer;

import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * httpd's {@code lbmethod=byrequests}: weighted smooth round robin by loadfactor, as in
 * mod_lbmethod_byrequests.
 *
 * <p>Each member keeps a score. For each request, every eligible member's score grows by its
 * loadfactor; the member with the highest score (the first one on a tie) is picked and its score
 * drops by the sum of the loadfactors. A request sticky to a member is accounted the same way with
 * that member as the pick.
 *
 * <p>Loadfactors 1,1 (A,B): A B A B … Loadfactors 1,2,3 (A,B,C), scores after each pick:
 * <pre>
 *   request  scores before pick   pick  scores after
 *   1        1  2  3              C     1  2 -3
 *   2        2  4  0              B     2 -2  0
 *   3        3  0  3              A    -3  0  3
 *   4       -2  2  6              C    -2  2  0
 *   5       -1  4  3              B    -1 -2  3
 *   6        0  0  6              C     0  0  0
 * </pre>
 * so the schedule C B A C B C repeats: each member's share is its loadfactor over the total.
 * As in httpd, loadfactors count in hundredths (1.5 is 150), so decimals are exact.
 */
final class ByRequests implements LoadBalancingMethod {

    static final ByRequests METHOD = new ByRequests();

    private ByRequests() {
    }

    @Override
    public String name() {
        return "byrequests";
    }

    @Override
    public Selector newSelector(List<Member> members) {
        return new Scores(members);
    }

    /** Thread-safe: the scores are read and written under this object's lock, a few adds per request. */
    private static final class Scores implements Selector {
        private final List<Member> members;
        private final int[] score;

        Scores(List<Member> members) {
            this.members = List.copyOf(members);
            this.score = new int[members.size()];
        }

        @Override
        public synchronized Optional<Member> pick(Predicate<Member> eligible) {
            int total = 0;
            Member best = null;
            for (Member m : members) {
                if (!eligible.test(m)) {
                    continue;
                }
                score[m.index()] += m.lbfactor();
                total += m.lbfactor();
                if (best == null || score[m.index()] > score[best.index()]) {
                    best = m;
                }
            }
            if (best != null) {
                score[best.index()] -= total;
            }
            return Optional.ofNullable(best);
        }

        @Override
        public synchronized void countSticky(Member chosen, Predicate<Member> usable) {
            int total = 0;
            for (Member m : members) {
                if (usable.test(m)) {
                    score[m.index()] += m.lbfactor();
                    total += m.lbfactor();
                }
            }
            score[chosen.index()] -= total;
        }
    }
}
