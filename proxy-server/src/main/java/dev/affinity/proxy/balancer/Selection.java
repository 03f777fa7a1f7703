package dev.affinity.proxy.balancer;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * What a balancer decided for one request: a member, or why there is none.
 *
 * @param member the member to send to; empty when none is usable
 * @param sticky whether the member was chosen by the request's route
 * @param why    for an empty selection, what an operator should read
 */
public record Selection(Optional<Member> member, boolean sticky, String why) {

    public Selection {
        requireNonNull(member, "member");
        requireNonNull(why, "why");
    }

    static Selection of(Member member, boolean sticky) {
        return new Selection(Optional.of(member), sticky, "");
    }

    static Selection none(String why) {
        return new Selection(Optional.empty(), false, why);
    }
}
