/// A bounded map that forgets its least recently used entry to make room for a new one.
///
/// The join rate limiter keeps one bucket per source address in it. A table that is cleared
/// when full lets anyone who can send from enough addresses reset every bucket at once — the
/// flood's own last step then wipes out the throttling of the busiest (hot) sources. Evicting
/// only the least recently used entry keeps every source that is still active in the table:
/// to push a hot source out, a flood must outpace that source's own attempts by the table's
/// whole capacity, and even then it only gains what a fresh address would have had anyway.
///
/// Entries live in arrays linked by index (a doubly linked list in recency order), so a
/// lookup, a touch and an eviction are all O(1) and the memory is fixed by `capacity`.
package struct LeastRecentlyUsedTable<Key: Hashable, Value> {
    private struct Entry {
        var key: Key
        var value: Value
        var newer: Int?
        var older: Int?
    }

    package let capacity: Int
    private var slots: [Key: Int] = [:]
    private var entries: [Entry] = []
    /// The most recently used entry.
    private var newest: Int?
    /// The least recently used entry: the next to be evicted.
    private var oldest: Int?

    package init(capacity: Int) {
        precondition(capacity > 0, "a table needs room for at least one entry")
        self.capacity = capacity
        slots.reserveCapacity(min(capacity, 1024))
    }

    package var count: Int { slots.count }

    /// The keys from the most to the least recently used.
    package var keysByRecency: [Key] {
        var keys: [Key] = []
        var cursor = newest
        while let index = cursor {
            keys.append(entries[index].key)
            cursor = entries[index].older
        }
        return keys
    }

    /// The value for `key`, which becomes the most recently used; `nil` if it is not tracked.
    package mutating func touch(_ key: Key) -> Value? {
        guard let index = slots[key] else { return nil }
        moveToNewest(index)
        return entries[index].value
    }

    /// Stores `value` for `key` as the most recently used entry, evicting the least recently
    /// used one when the table is full. Returns the evicted key, if any.
    @discardableResult
    package mutating func set(_ key: Key, _ value: Value) -> Key? {
        if let index = slots[key] {
            entries[index].value = value
            moveToNewest(index)
            return nil
        }
        if entries.count < capacity {
            entries.append(Entry(key: key, value: value, newer: nil, older: nil))
            let index = entries.count - 1
            slots[key] = index
            linkAsNewest(index)
            return nil
        }
        // Full: the oldest entry's slot is reused for the new key.
        let index = oldest!
        let evicted = entries[index].key
        unlink(index)
        slots.removeValue(forKey: evicted)
        entries[index] = Entry(key: key, value: value, newer: nil, older: nil)
        slots[key] = index
        linkAsNewest(index)
        return evicted
    }

    private mutating func moveToNewest(_ index: Int) {
        guard newest != index else { return }
        unlink(index)
        linkAsNewest(index)
    }

    private mutating func unlink(_ index: Int) {
        let newer = entries[index].newer
        let older = entries[index].older
        if let newer { entries[newer].older = older } else { newest = older }
        if let older { entries[older].newer = newer } else { oldest = newer }
        entries[index].newer = nil
        entries[index].older = nil
    }

    private mutating func linkAsNewest(_ index: Int) {
        entries[index].older = newest
        entries[index].newer = nil
        if let newest { entries[newest].newer = index }
        newest = index
        if oldest == nil { oldest = index }
    }
}
