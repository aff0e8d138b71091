namespace NodeAgent.Ha;

/// <summary>
/// The outcome of one HA cycle's thinking: the steps to run, in order, and the sentence an operator
/// reads in the log (Patroni's words where Patroni has them).
/// </summary>
public sealed record HaDecision(string Reason, IReadOnlyList<HaStep> Steps)
{
    public static HaDecision NoSteps(string reason) => new(reason, []);

    public bool Has<T>()
        where T : HaStep => Steps.Any(s => s is T);

    public T? Find<T>()
        where T : HaStep => Steps.OfType<T>().FirstOrDefault();

    /// <summary>The long action this plan starts, if any (the loop runs such plans in the background).</summary>
    public LongActionKind? LongAction => Steps.FirstOrDefault(s => s.IsLongAction) switch
    {
        HaStep.Bootstrap => LongActionKind.Bootstrap,
        HaStep.CloneFrom or HaStep.BootstrapStandbyLeader => LongActionKind.Clone,
        HaStep.StartAsReplica or HaStep.StartAsPrimary => LongActionKind.Start,
        HaStep.Restart => LongActionKind.Restart,
        HaStep.Reinitialize => LongActionKind.Reinitialize,
        _ => null,
    };

    public override string ToString() => $"{Reason} [{string.Join(", ", Steps.Select(s => s.GetType().Name))}]";
}
