namespace NodeAgent.Dcs;

/// <summary>
/// A leader key its holder gave up while it could not reach etcd itself: the key as the holder last held it (its name and
/// the key's mod_revision). Another member deletes it for the holder only while etcd still has that very version, so a
/// late request can never delete a key the holder (or anyone) has taken since.
/// </summary>
public sealed record LeaderRelease(string Leader, long ModRevision);
