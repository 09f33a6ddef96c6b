// The intern table, node allocation and release, atoms, and the expr handle.
//
// Concurrency model: the table is split into shards by hash, each guarded by
// a spin lock. A node's reference count is atomic. When a count drops to zero
// the node is dead: no lookup may revive it (lookups only increment counts
// that are not zero, with a CAS), and the releasing thread unlinks it under
// its shard's lock and frees it. A lookup that meets a dead node that is
// still linked puts a fresh node in its slot; the `unlinked` flag, read and
// written only under the shard lock, tells the releasing thread that the
// dead node is out of the table already.
//
// A lookup first tries without the lock (see intern()): threads that only
// find nodes, as the ones of a gradient mostly do, then share the table's
// lines instead of passing each shard's lock between their cores. That is
// safe because memory a lookup may still read is not given back while it
// reads: a node's memory is only ever reused for another node, whose count
// sits at the same place and is 0 while it is free; a slot array or a node
// too large for the pools is freed only once every thread that was reading
// without the lock has finished (wait_for_readers).

#include "core/node.hpp"
#include "core/hash.hpp"

#include <boost/container/small_vector.hpp>

#include <array>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <utility>
#include <new>

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/membarrier.h>
#endif

namespace nabla::detail {

namespace {

// What identifies a node before it exists: the lookup key.
struct node_key {
    node_key(nabla::kind k, std::uint8_t a, std::uint32_t h, std::span<const node* const> o)
        : kind(k), aux(a), hash(h), ops(o) {}
    nabla::kind kind;
    std::uint8_t aux;
    std::uint32_t hash;
    std::span<const node* const> ops;
    const rational_t* number = nullptr;
    bool small = false;  // a 31-bit integer: small_value holds it, number is unused
    std::int64_t small_value = 0;
    double real = 0;
    std::string_view name;
    const std::vector<std::uint8_t>* indices = nullptr;
};

bool payload_equal(const node* n, const node_key& k) {
    switch (k.kind) {
    case kind::number: {
        auto* p = static_cast<const number_payload*>(n->payload());
        if (k.small) return p->small && p->small_value == k.small_value;
        return !p->small && p->value == *k.number;
    }
    case kind::real: {
        double a = n->real();
        return std::memcmp(&a, &k.real, sizeof a) == 0;  // 0.0 and -0.0 differ
    }
    case kind::symbol: return n->name() == k.name;
    case kind::call: return n->call().name == k.name && n->call().derivative_indices == *k.indices;
    case kind::constant:
    case kind::sum:
    case kind::product:
    case kind::power:
    case kind::apply: return true;
    }
    return false;
}

bool key_equal(const node* n, const node_key& k) {
    if (n->hash != k.hash || n->kind != k.kind || n->aux != k.aux || n->nops != k.ops.size()) return false;
    auto ops = n->ops();
    for (std::size_t i = 0; i < ops.size(); ++i)
        if (ops[i] != k.ops[i]) return false;
    return payload_equal(n, k);
}

// ---------------------------------------------------------------- reading without the lock

// Each thread that reads the table without a lock announces it in a record
// of its own: an epoch, odd while it reads. Memory that such a reader may
// still hold an address of is freed only after wait_for_readers(), which
// waits until every record that was odd has moved on.
struct alignas(64) reader_record {  // a line each: a reader writes only its own
    std::atomic<std::uint64_t> epoch{0};
    std::atomic<bool> owned{false};
};
struct reader_registry {
    static constexpr std::size_t capacity = 64;
    std::array<reader_record, capacity> records;
    std::atomic<std::size_t> used{0};  // records [0, used) have had an owner
};
reader_registry& readers() {
    static auto* r = new reader_registry;  // never destroyed, as shards()
    return *r;
}

// Whether the kernel's membarrier() can order other threads' memory accesses
// for us. Then a reader announces itself with plain stores, and the rare
// wait_for_readers() pays for the fence instead; without it, each reader
// pays for a fence of its own.
bool asymmetric_fences() {
    static const bool on = [] {
#if defined(__linux__) && defined(SYS_membarrier)
        const long commands = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
        return commands > 0 && (commands & MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0 &&
               syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
#else
        return false;
#endif
    }();
    return on;
}

// One step of a short wait for another thread (a lock's holder, a reader).
// The wait is mostly for a thread that is in a cache miss; a yield is a
// system call, dearer than that in a virtual machine, so it is kept for a
// thread that was preempted. The pause keeps the wait off the bus.
void wait_step(int& spins) noexcept {
    if (++spins > 64) {
        std::this_thread::yield();
        return;
    }
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

thread_local reader_record* own_reader = nullptr;
thread_local bool own_reader_sought = false;

// Gives the record back when its thread ends.
struct reader_return {
    ~reader_return() {
        if (own_reader) own_reader->owned.store(false, std::memory_order_release);
        own_reader = nullptr;
    }
};

// This thread's record, or null when all are taken (it then always locks).
reader_record* this_thread_reader() {
    if (own_reader || own_reader_sought) return own_reader;
    own_reader_sought = true;
    reader_registry& r = readers();
    asymmetric_fences();  // decided before the first read
    for (std::size_t i = 0; i < reader_registry::capacity; ++i) {
        bool free = false;
        if (!r.records[i].owned.load(std::memory_order_relaxed) &&
            r.records[i].owned.compare_exchange_strong(free, true, std::memory_order_acq_rel)) {
            std::size_t used = r.used.load(std::memory_order_relaxed);
            while (used < i + 1 && !r.used.compare_exchange_weak(used, i + 1, std::memory_order_acq_rel)) {
            }
            thread_local reader_return give_back;
            own_reader = &r.records[i];
            break;
        }
    }
    return own_reader;
}

// Marks a read without the lock, from construction to destruction. Nothing
// in it may wait for readers (it would wait for itself): a node found by
// mistake is released after it.
class read_section {
public:
    explicit read_section(reader_record& r) noexcept : record_(r), epoch_(r.epoch.load(std::memory_order_relaxed)) {
        record_.epoch.store(epoch_ + 1, std::memory_order_relaxed);
        if (asymmetric_fences())
            std::atomic_signal_fence(std::memory_order_seq_cst);
        else
            std::atomic_thread_fence(std::memory_order_seq_cst);  // the store before the table's loads
    }
    ~read_section() { record_.epoch.store(epoch_ + 2, std::memory_order_release); }
    read_section(const read_section&) = delete;
    read_section& operator=(const read_section&) = delete;

private:
    reader_record& record_;
    std::uint64_t epoch_;
};

// Returns once every read without the lock that began before the call has
// ended: memory unlinked before the call is then no longer read.
void wait_for_readers() noexcept {
#if defined(__linux__) && defined(SYS_membarrier)
    if (!asymmetric_fences() || syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0)
#endif
        std::atomic_thread_fence(std::memory_order_seq_cst);
    reader_registry& r = readers();
    const std::size_t used = r.used.load(std::memory_order_acquire);
    for (std::size_t i = 0; i < used; ++i) {
        const std::atomic<std::uint64_t>& epoch = r.records[i].epoch;
        const std::uint64_t seen = epoch.load(std::memory_order_acquire);
        if ((seen & 1) == 0) continue;
        for (int spins = 0; epoch.load(std::memory_order_acquire) == seen;) wait_step(spins);
    }
}

// Increments a count unless it is zero (a dead node stays dead).
bool try_retain(const node* n) {
    std::uint32_t r = n->refs.load(std::memory_order_relaxed);
    if (r >= immortal_floor) return true;
    while (r != 0)
        if (n->refs.compare_exchange_weak(r, r + 1, std::memory_order_acq_rel)) return true;
    return false;
}

// Slot stores race with reads without the lock.
void store_slot(std::uint64_t& slot, std::uint64_t value) noexcept { __atomic_store_n(&slot, value, __ATOMIC_RELEASE); }
std::uint64_t load_slot(const std::uint64_t& slot) noexcept { return __atomic_load_n(&slot, __ATOMIC_ACQUIRE); }

// Slot arrays. A large table is probed at random, one slot per node built,
// so with 4 KiB pages nearly every probe also misses the TLB; 2 MiB pages
// (asked for, where the kernel offers them on request) keep the page walk
// out of it. Fresh anonymous pages are zero, so no clearing either.
constexpr std::size_t huge_page = std::size_t(2) << 20;

std::uint64_t* allocate_slots(std::size_t count) {
    const std::size_t bytes = count * sizeof(std::uint64_t);
    if (bytes < huge_page) {
        auto* p = static_cast<std::uint64_t*>(std::calloc(count, sizeof(std::uint64_t)));
        if (!p) throw std::bad_alloc();
        return p;
    }
    // Over-map by a page and trim, so the array starts on a huge-page boundary.
    void* raw = mmap(nullptr, bytes + huge_page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) throw std::bad_alloc();
    const auto start = reinterpret_cast<std::uintptr_t>(raw);
    const std::uintptr_t aligned = (start + huge_page - 1) & ~(huge_page - 1);
    if (aligned > start) munmap(raw, aligned - start);
    if (const std::size_t tail = huge_page - (aligned - start)) munmap(reinterpret_cast<void*>(aligned + bytes), tail);
#ifdef MADV_HUGEPAGE
    madvise(reinterpret_cast<void*>(aligned), bytes, MADV_HUGEPAGE);  // advice: harmless where refused
#endif
    return reinterpret_cast<std::uint64_t*>(aligned);
}

void free_slots(std::uint64_t* slots, std::size_t count) noexcept {
    if (!slots) return;
    const std::size_t bytes = count * sizeof(std::uint64_t);
    if (bytes < huge_page)
        std::free(slots);
    else
        munmap(slots, bytes);
}

// The intern table of one shard: open addressing with linear probing over
// 8-byte slots. A slot packs a node's address (nodes are 8-byte aligned and
// user-space addresses have 48 bits, so 45 bits hold it) with the top 19 bits
// of the node's spread hash, whose leading bits choose the slot. A probe
// compares those bits before it touches a node, and while a shard has at most
// 2^19 slots (some 3 million nodes in all) growing and deleting find each
// slot's home from its bits alone: the nodes, which are the cache misses, are
// not read. Deletion shifts the following slots back, so there are no
// tombstones.
class node_table {
public:
    node_table() = default;
    node_table(const node_table&) = delete;
    node_table& operator=(const node_table&) = delete;
    ~node_table() { free_slots(slots_, slots_ ? mask_ + 1 : 0); }

    // The slot holding the node equal to `k`, or the empty slot where it
    // belongs.
    std::uint64_t* find(const node_key& k) {
        if (!slots_) grow();
        const std::uint64_t spread = spread_hash(k.hash);
        const std::uint64_t tag = spread >> address_bits;
        for (std::size_t i = home(spread);; i = (i + 1) & mask_) {
            const std::uint64_t s = slots_[i];
            if (s == 0 || ((s >> address_bits) == tag && key_equal(node_in(s), k))) return &slots_[i];
        }
    }
    // Without the lock, inside a read_section: the node equal to `k` as it
    // was found, retained, or null. A null is no proof of absence (a growth
    // or a deletion may be moving slots meanwhile); the caller then looks
    // again under the lock. A node retained by mistake goes to `mistaken`,
    // for the caller to release outside the read section (a release may
    // free memory, and so wait for readers).
    const node* find_unlocked(const node_key& k, const node*& mistaken) const noexcept {
        const slot_view* view = published_.load(std::memory_order_acquire);
        if (!view) return nullptr;
        const std::uint64_t* slots = view->slots.load(std::memory_order_relaxed);
        const std::size_t mask = view->mask.load(std::memory_order_relaxed);
        const unsigned shift = view->shift.load(std::memory_order_relaxed);
        const std::uint64_t spread = spread_hash(k.hash);
        const std::uint64_t tag = spread >> address_bits;
        std::size_t i = static_cast<std::size_t>(spread >> shift);
        for (std::size_t probes = 0; probes <= mask; ++probes, i = (i + 1) & mask) {
            const std::uint64_t s = load_slot(slots[i]);
            if (s == 0) return nullptr;
            if ((s >> address_bits) != tag) continue;
            // The node may have died and its memory have been reused since
            // the slot was read: it is only read once retained, and then
            // only if the slot of the current array still holds it (a node
            // is linked only when it is complete; an array replaced by a
            // growth no longer changes).
            const node* n = node_in(s);
            if (!try_retain(n)) return nullptr;
            if (load_slot(slots[i]) == s && published_.load(std::memory_order_acquire) == view && key_equal(n, k))
                return n;
            mistaken = n;
            return nullptr;
        }
        return nullptr;
    }
    // Puts `n` into the empty slot `at` that find() returned.
    void insert_at(std::uint64_t* at, const node* n) {
        store_slot(*at, pack(n));
        if (++size_ * 4 > (mask_ + 1) * 3) grow();
    }
    // Replaces the node in `at` by `n`, which has the same key.
    void replace_at(std::uint64_t* at, const node* n) { store_slot(*at, pack(n)); }
    void erase(const node* n) {
        std::size_t i = home(spread_hash(n->hash));
        while (node_in(slots_[i]) != n) i = (i + 1) & mask_;
        // Backward shift: move into the hole each later slot of the run
        // whose home is not between the hole and itself.
        for (std::size_t j = (i + 1) & mask_; slots_[j] != 0; j = (j + 1) & mask_) {
            const std::size_t h = home_of_slot(slots_[j]);
            const bool stays = i <= j ? (i < h && h <= j) : (i < h || h <= j);
            if (!stays) {
                store_slot(slots_[i], slots_[j]);
                i = j;
            }
        }
        store_slot(slots_[i], 0);
        --size_;
    }
    static const node* node_in(std::uint64_t s) noexcept {
        return reinterpret_cast<const node*>((s & ((std::uint64_t(1) << address_bits) - 1)) << 3);
    }
    std::size_t size() const noexcept { return size_; }
    std::size_t bytes() const noexcept { return slots_ ? (mask_ + 1) * sizeof(std::uint64_t) : 0; }
    // Asks for the cache line of the slot a node with this hash is probed
    // at first, without the shard lock: the copies of the array's address
    // and shift read here may be a growth behind, and a prefetch of a stale
    // address is only wasted.
    void prefetch(std::uint32_t hash) const noexcept {
        const slot_view* view = published_.load(std::memory_order_relaxed);
        if (!view) return;
        const std::uint64_t* slots = view->slots.load(std::memory_order_relaxed);
        const unsigned shift = view->shift.load(std::memory_order_relaxed);
        const auto at = reinterpret_cast<std::uintptr_t>(slots) +
                        static_cast<std::uintptr_t>(spread_hash(hash) >> shift) * sizeof(std::uint64_t);
        __builtin_prefetch(reinterpret_cast<const void*>(at));
    }

private:
    static constexpr unsigned address_bits = 45;

    // 64 well-mixed bits from the 32-bit hash: the top ones choose the slot
    // and are the tag.
    static std::uint64_t spread_hash(std::uint32_t h) noexcept {
        std::uint64_t x = h * 0x9E3779B97F4A7C15ull;
        x ^= x >> 32;
        x *= 0xD6E8FEB86659FD93ull;
        return x ^ (x >> 32);
    }
    static std::uint64_t pack(const node* n) noexcept {
        return spread_hash(n->hash) >> address_bits << address_bits | reinterpret_cast<std::uintptr_t>(n) >> 3;
    }
    std::size_t home(std::uint64_t spread) const noexcept { return static_cast<std::size_t>(spread >> shift_); }
    std::size_t home_of_slot(std::uint64_t s) const noexcept {
        if (shift_ >= address_bits) return static_cast<std::size_t>(s >> shift_);  // the tag holds the home's bits
        return home(spread_hash(node_in(s)->hash));
    }
    void grow() {
        const std::size_t old_capacity = slots_ ? mask_ + 1 : 0;
        const std::size_t capacity = old_capacity ? old_capacity * 2 : 64;
        auto* fresh = allocate_slots(capacity);
        std::uint64_t* old = std::exchange(slots_, fresh);
        mask_ = capacity - 1;
        shift_ = 64 - static_cast<unsigned>(std::countr_zero(capacity));
        for (std::size_t i = 0; i < old_capacity; ++i) {
            if (old[i] == 0) continue;
            std::size_t j = home_of_slot(old[i]);
            while (slots_[j] != 0) j = (j + 1) & mask_;
            slots_[j] = old[i];
        }
        // Readers without the lock see the new array, complete, through the
        // view not in use; the old array goes once none may still read it.
        // The old view is then unread too, and is the next growth's.
        slot_view& next = views_[published_.load(std::memory_order_relaxed) == &views_[0] ? 1 : 0];
        next.slots.store(slots_, std::memory_order_relaxed);
        next.mask.store(mask_, std::memory_order_relaxed);
        next.shift.store(shift_, std::memory_order_relaxed);
        published_.store(&next, std::memory_order_release);
        if (old) {
            wait_for_readers();
            free_slots(old, old_capacity);
        }
    }

    std::uint64_t* slots_ = nullptr;
    std::size_t mask_ = 0;
    unsigned shift_ = 64;
    std::size_t size_ = 0;
    // slots_, mask_ and shift_ for the reads without the lock (find_unlocked,
    // prefetch): on lines of their own, which only growth writes, so that
    // reading them does not take the line the lock is on from another thread.
    struct slot_view {
        std::atomic<const std::uint64_t*> slots{nullptr};
        std::atomic<std::size_t> mask{0};
        std::atomic<unsigned> shift{64};
    };
    alignas(64) std::atomic<const slot_view*> published_{nullptr};
    std::array<slot_view, 2> views_;
};

// Enough shards that threads building at once seldom wait for each other,
// few enough that at a million nodes each shard's table fills huge pages.
constexpr std::size_t shard_count = 8;

// Small nodes come from slabs with a free list per size (8-byte steps):
// malloc's 16-byte header and rounding would cost a third of a binary node.
class node_pool {
public:
    static constexpr std::size_t max_pooled = 128;

    // `wide` asks for 16-byte alignment (big-number payloads hold __int128);
    // such blocks have free lists of their own.
    void* allocate(std::size_t bytes, bool wide) {
        if (bytes > max_pooled) return ::operator new(bytes);
        const std::size_t c = size_class(bytes, wide);
        if (void* p = free_[c]) {
            free_[c] = *link(p);
            return p;
        }
        if (wide) {
            const std::size_t skew = reinterpret_cast<std::uintptr_t>(cursor_) % 16;
            if (skew && left_ >= 16 - skew) {
                cursor_ += 16 - skew;
                left_ -= 16 - skew;
            }
        }
        const std::size_t rounded = (bytes + 7) / 8 * 8;
        if (left_ < rounded || (wide && reinterpret_cast<std::uintptr_t>(cursor_) % 16)) {
            cursor_ = static_cast<char*>(::operator new(slab_bytes));  // 16-byte aligned
            left_ = slab_bytes;
        }
        void* p = cursor_;
        cursor_ += rounded;
        left_ -= rounded;
        return p;
    }
    // Larger blocks are not pooled: free_node retires them.
    void deallocate(void* p, std::size_t bytes, bool wide) {
        const std::size_t c = size_class(bytes, wide);
        *link(p) = free_[c];
        free_[c] = p;
    }

private:
    static constexpr std::size_t slab_bytes = 64 * 1024;
    static constexpr std::size_t classes = max_pooled / 8 + 1;
    static std::size_t size_class(std::size_t bytes, bool wide) { return (bytes + 7) / 8 + (wide ? classes : 0); }
    // A free block's link to the next sits past the node's count, which
    // stays 0: a lookup without the lock may still read the count of a node
    // freed meanwhile, and must see it dead.
    static void** link(void* p) noexcept {
        static_assert(offsetof(node, refs) == 0 && sizeof(node) >= 16);
        return reinterpret_cast<void**>(static_cast<char*>(p) + 8);
    }
    void* free_[2 * classes] = {};
    char* cursor_ = nullptr;
    std::size_t left_ = 0;
};

// A test-and-test-and-set lock: a shard is held for a few hundred
// instructions, so spinning briefly beats a futex round trip; it yields to
// the scheduler when the holder was preempted.
class spin_lock {
public:
    void lock() noexcept {
        for (int spins = 0; locked_.exchange(true, std::memory_order_acquire); ++spins) {
            while (locked_.load(std::memory_order_relaxed)) wait_step(spins);
        }
    }
    void unlock() noexcept { locked_.store(false, std::memory_order_release); }

private:
    std::atomic<bool> locked_{false};
};

// A cache line each: two threads building at once take different shards'
// locks, and a shared line would pass between their cores at every node.
struct alignas(64) shard {
    spin_lock mutex;
    node_table nodes;
};

// Each thread allocates from a pool of its own (shared when there are more
// threads than pools), so the nodes of an expression lie in memory in the
// order they were built: a later walk over the expression reads memory in
// sequence, which the hardware prefetches, where pools chosen by hash would
// scatter it. A node records its pool; it is freed into that pool. Pools
// are a cache line apart, as shards are.
struct alignas(64) pool_slot {
    spin_lock mutex;
    node_pool pool;
};
constexpr std::size_t pool_count = 16;

std::array<pool_slot, pool_count>& pools() {
    static auto* all = new std::array<pool_slot, pool_count>;  // never destroyed, as shards()
    return *all;
}
std::uint8_t this_thread_pool() {
    static std::atomic<unsigned> next{0};
    thread_local const auto id = static_cast<std::uint8_t>(next.fetch_add(1, std::memory_order_relaxed) % pool_count);
    return id;
}

// Never destroyed: nodes may be released by static destructors of user code.
std::array<shard, shard_count>& shards() {
    static auto* table = new std::array<shard, shard_count>;
    return *table;
}
shard& shard_of(std::uint32_t hash) { return shards()[(hash ^ (hash >> 16)) % shard_count]; }

std::size_t payload_size(const node_key& k) {
    switch (k.kind) {
    case kind::number: return sizeof(number_payload);
    case kind::real: return sizeof(double);
    case kind::symbol: return sizeof(std::string);
    case kind::call: return sizeof(call_payload);
    default: return 0;
    }
}

std::size_t node_bytes(nabla::kind k, std::size_t nops) {
    node_key key(k, 0, 0, {});
    return sizeof(node) + sizeof(const node*) * nops + payload_size(key);
}

// Immortal nodes stay reachable from here: the intern table packs its
// pointers, which leak checkers cannot follow.
void keep_reachable(const node* n) {
    static std::mutex guard;
    static auto* immortals = new std::vector<const node*>;  // never destroyed, as shards()
    std::lock_guard lock(guard);
    immortals->push_back(n);
}

node* allocate(const node_key& k) {
    const std::uint8_t pool = this_thread_pool();
    void* memory;
    {
        pool_slot& p = pools()[pool];
        std::lock_guard lock(p.mutex);
        memory = p.pool.allocate(node_bytes(k.kind, k.ops.size()), k.kind == kind::number);
    }
    node* n = static_cast<node*>(memory);
    // The intern table packs addresses into 45 bits (8-byte aligned, below 2^48).
    if (reinterpret_cast<std::uintptr_t>(memory) >> 48) throw std::bad_alloc();
    const bool immortal = k.kind == kind::symbol || k.kind == kind::constant;
    // A release: a lookup without the lock that retains this memory from a
    // stale slot then sees the node it held unlinked (see find_unlocked).
    n->refs.store(immortal ? immortal_refs : 1, std::memory_order_release);
    if (immortal) keep_reachable(n);
    n->kind = k.kind;
    n->aux = k.aux;
    n->unlinked = 0;
    n->pool = pool;
    n->nops = static_cast<std::uint32_t>(k.ops.size());
    n->hash = k.hash;
    auto** ops = reinterpret_cast<const node**>(n + 1);
    for (std::size_t i = 0; i < k.ops.size(); ++i) {
        ops[i] = k.ops[i];
        retain(k.ops[i]);
    }
    void* payload = const_cast<void*>(n->payload());
    switch (k.kind) {
    case kind::number:
        if (k.small)
            new (payload) number_payload{k.small_value, true, rational_t(k.small_value)};
        else
            new (payload) number_payload{0, false, *k.number};
        break;
    case kind::real: new (payload) double(k.real); break;
    case kind::symbol: new (payload) std::string(k.name); break;
    case kind::call: new (payload) call_payload{std::string(k.name), *k.indices}; break;
    default: break;
    }
    return n;
}

// Nodes too large for the pools come from the heap, which may give memory
// back to the system: they are freed in batches, each once no lookup
// without the lock may still read them (see intern()).
class retired_block_list {
public:
    void add(void* block, std::size_t bytes) noexcept {
        std::array<void*, max_blocks> batch;
        std::size_t count;
        {
            std::lock_guard lock(mutex_);
            blocks_[count_++] = block;
            bytes_ += bytes;
            if (count_ < max_blocks && bytes_ < max_bytes) return;
            batch = blocks_;
            count = std::exchange(count_, 0);
            bytes_ = 0;
        }
        wait_for_readers();
        for (std::size_t i = 0; i < count; ++i) ::operator delete(batch[i]);
    }

private:
    static constexpr std::size_t max_blocks = 64, max_bytes = std::size_t(1) << 20;
    spin_lock mutex_;
    std::array<void*, max_blocks> blocks_;
    std::size_t count_ = 0, bytes_ = 0;
};
retired_block_list& retired_blocks() {
    static auto* list = new retired_block_list;  // never destroyed, as shards()
    return *list;
}

void free_node(const node* n) {
    void* payload = const_cast<void*>(n->payload());
    switch (n->kind) {
    case kind::number: static_cast<number_payload*>(payload)->~number_payload(); break;
    case kind::symbol: static_cast<std::string*>(payload)->~basic_string(); break;
    case kind::call: static_cast<call_payload*>(payload)->~call_payload(); break;
    default: break;
    }
    const std::size_t bytes = node_bytes(n->kind, n->nops);
    if (bytes > node_pool::max_pooled) {
        retired_blocks().add(const_cast<node*>(n), bytes);
        return;
    }
    pool_slot& p = pools()[n->pool];
    std::lock_guard lock(p.mutex);
    p.pool.deallocate(const_cast<node*>(n), bytes, n->kind == kind::number);
}

// Returns a new reference to the node with this key, creating it if needed.
const node* intern(const node_key& k) {
    shard& s = shard_of(k.hash);
    if (reader_record* r = this_thread_reader()) {
        const node* mistaken = nullptr;
        const node* found;
        {
            read_section reading(*r);
            found = s.nodes.find_unlocked(k, mistaken);
        }
        if (found) return found;
        if (mistaken) release(mistaken);
    }
    std::lock_guard lock(s.mutex);
    std::uint64_t* slot = s.nodes.find(k);
    if (*slot != 0) {
        const node* found = node_table::node_in(*slot);
        if (try_retain(found)) return found;
        const_cast<node*>(found)->unlinked = 1;  // dead: its releaser will not erase it
        node* n = allocate(k);
        s.nodes.replace_at(slot, n);
        return n;
    }
    node* n = allocate(k);
    s.nodes.insert_at(slot, n);
    return n;
}

}  // namespace

void release(const node* n) noexcept {
    if (is_immortal(n) || n->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    // Freeing a long chain frees its operands in turn: a worklist, not recursion.
    boost::container::small_vector<const node*, 16> dead{n};
    while (!dead.empty()) {
        const node* d = dead.back();
        dead.pop_back();
        // d's slot loads while its operands' counts are read (misses of their
        // own), and a dying operand's slot while d is taken out.
        shard_of(d->hash).nodes.prefetch(d->hash);
        for (const node* child : d->ops())
            if (!is_immortal(child) && child->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
                dead.push_back(child);
                shard_of(child->hash).nodes.prefetch(child->hash);
            }
        {
            shard& s = shard_of(d->hash);
            std::lock_guard lock(s.mutex);
            if (!d->unlinked) s.nodes.erase(d);
        }
        free_node(d);
    }
}

std::size_t live_node_count() {
    std::size_t total = 0;
    for (auto& s : shards()) {
        std::lock_guard lock(s.mutex);
        total += s.nodes.size();
    }
    return total;
}

std::size_t intern_table_bytes() {
    std::size_t total = 0;
    for (auto& s : shards()) {
        std::lock_guard lock(s.mutex);
        total += s.nodes.bytes();
    }
    return total;
}

// ---------------------------------------------------------------- hashing

namespace {
std::uint32_t number_hash(const rational_t& q) {
    const integer_t& num = numerator(q);
    const integer_t& den = denominator(q);
    std::uint32_t h = hash_seed(kind::number);
    auto add_integer = [&h](const integer_t& v) {
        if (v >= std::numeric_limits<long long>::min() && v <= std::numeric_limits<long long>::max()) {
            h = hash_mix(h, static_cast<std::uint64_t>(static_cast<long long>(v)));
        } else {
            for (auto limb = v.backend().limbs(), end = limb + v.backend().size(); limb != end; ++limb)
                h = hash_mix(h, static_cast<std::uint64_t>(*limb));
            h = hash_mix(h, v.sign() < 0 ? 1u : 2u);
        }
    };
    add_integer(num);
    add_integer(den);
    return h;
}
}  // namespace

std::uint32_t hash_ops(nabla::kind k, std::uint8_t aux, std::span<const node* const> ops) {
    std::uint32_t h = aux == 0 ? operator_seeds[static_cast<std::size_t>(k)] : hash_mix(hash_seed(k), aux);
    for (const node* op : ops) h = hash_combine(h, op->hash);
    return h;
}

// ---------------------------------------------------------------- factories of nodes

expr intern_ops(nabla::kind k, std::uint8_t aux, std::span<const node* const> ops) {
    node_key key{k, aux, hash_ops(k, aux, ops), ops};
    return expr::adopt(intern(key));
}

expr intern_ops(nabla::kind k, std::uint8_t aux, std::span<const node* const> ops, std::uint32_t hash) {
    node_key key{k, aux, hash, ops};
    return expr::adopt(intern(key));
}

void prefetch_intern(std::uint32_t hash) noexcept { shard_of(hash).nodes.prefetch(hash); }

namespace {

expr intern_small_number(std::int64_t value) {
    // The hash number_hash gives the same value: numerator, then denominator 1.
    node_key key{kind::number, 0, hash_mix(hash_mix(hash_seed(kind::number), static_cast<std::uint64_t>(value)), 1), {}};
    key.small = true;
    key.small_value = value;
    return expr::adopt(intern(key));
}

// Small integers are built constantly (2x, x², 1 − x, the coefficients of
// derivatives): keep them ready.
constexpr std::int64_t cached_min = -1024, cached_max = 1024;
const node* cached_small_integer(std::int64_t v) {
    static const std::vector<const node*>* table = [] {
        auto* t = new std::vector<const node*>;
        for (std::int64_t i = cached_min; i <= cached_max; ++i) {
            expr e = intern_small_number(i);
            e.get()->refs.store(immortal_refs, std::memory_order_relaxed);
            t->push_back(e.get());
        }
        return t;
    }();
    return (*table)[static_cast<std::size_t>(v - cached_min)];
}

}  // namespace

expr make_small_number(std::int64_t value) {
    if (value >= cached_min && value <= cached_max) return expr::share(cached_small_integer(value));
    return intern_small_number(value);
}

expr make_number(rational_t value) {
    if (denominator(value) == 1) {
        const integer_t& n = numerator(value);
        if (n >= -(std::int64_t(1) << 31) && n < (std::int64_t(1) << 31)) return make_small_number(static_cast<std::int64_t>(n));
    }
    node_key key{kind::number, 0, number_hash(value), {}};
    key.number = &value;
    return expr::adopt(intern(key));
}

expr make_real(double value) {
    if (!std::isfinite(value)) throw domain_error("floating-point overflow: the value is not finite");
    if (value == 0) value = 0.0;  // −0.0 is 0.0: one node, one printed form
    node_key key{kind::real, 0, 0, {}};
    std::uint64_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    key.hash = hash_mix(hash_seed(kind::real), bits);
    key.real = value;
    return expr::adopt(intern(key));
}

expr make_symbol(std::string_view name) {
    node_key key{kind::symbol, 0, hash_string(hash_seed(kind::symbol), name), {}};
    key.name = name;
    return expr::adopt(intern(key));
}

expr make_constant(nabla::constant c) {
    node_key key{kind::constant, static_cast<std::uint8_t>(c), hash_mix(hash_seed(kind::constant), std::uint8_t(c)), {}};
    return expr::adopt(intern(key));
}

expr make_call(std::string name, std::vector<expr> args, std::vector<std::uint8_t> derivative_indices) {
    std::vector<const node*> ops;
    ops.reserve(args.size());
    for (auto& a : args) ops.push_back(a.get());
    std::uint32_t h = hash_string(hash_ops(kind::call, 0, ops), name);
    for (auto i : derivative_indices) h = hash_mix(h, i + 1u);
    node_key key{kind::call, 0, h, ops};
    key.name = name;
    key.indices = &derivative_indices;
    return expr::adopt(intern(key));
}

const expr& zero() {
    static const expr* v = new expr(make_number(0));
    return *v;
}
const expr& one() {
    static const expr* v = new expr(make_number(1));
    return *v;
}
const expr& minus_one() {
    static const expr* v = new expr(make_number(-1));
    return *v;
}
const expr& half() {
    static const expr* v = new expr(make_number(rational_t(1, 2)));
    return *v;
}

int compare(const node* a, const node* b) noexcept {
    if (a == b) return 0;
    if (a->hash != b->hash) return a->hash < b->hash ? -1 : 1;
    // A true hash collision: decide structurally. Only equal hashes reach
    // here, so the recursion is as deep as a chain of collisions.
    if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
    if (a->aux != b->aux) return a->aux < b->aux ? -1 : 1;
    switch (a->kind) {
    case kind::number:
        if (a->number() != b->number()) return a->number() < b->number() ? -1 : 1;
        break;
    case kind::real:
        if (a->real() != b->real()) return a->real() < b->real() ? -1 : 1;
        break;
    case kind::symbol:
    case kind::call:
        if (int c = a->name().compare(b->name())) return c < 0 ? -1 : 1;
        if (a->kind == kind::call && a->call().derivative_indices != b->call().derivative_indices)
            return a->call().derivative_indices < b->call().derivative_indices ? -1 : 1;
        break;
    default: break;
    }
    if (a->nops != b->nops) return a->nops < b->nops ? -1 : 1;
    for (std::size_t i = 0; i < a->nops; ++i)
        if (int c = compare(a->op(i), b->op(i))) return c;
    return 0;
}

}  // namespace nabla::detail

// ---------------------------------------------------------------- expr

namespace nabla {

using namespace detail;

expr::expr() noexcept : p_(detail::zero().get()) { retain(p_); }
expr::expr(int value) : expr(static_cast<long long>(value)) {}
expr::expr(long value) : expr(static_cast<long long>(value)) {}
expr::expr(long long value) : p_(nullptr) {
    if (value >= cached_min && value <= cached_max) {  // 2x, x², 1 − x: no call, no temporary
        p_ = cached_small_integer(value);
        retain(p_);
    } else {
        *this = fits_small(value) ? make_small_number(value) : make_number(rational_t(value));
    }
}
expr::expr(unsigned value) : expr(static_cast<unsigned long long>(value)) {}
expr::expr(unsigned long value) : expr(static_cast<unsigned long long>(value)) {}
expr::expr(unsigned long long value) : p_(nullptr) { *this = make_number(rational_t(value)); }
expr::expr(double value) : p_(nullptr) { *this = make_real(value); }

expr::expr(const expr& other) noexcept : p_(other.p_) {
    if (p_) retain(p_);
}
expr::expr(expr&& other) noexcept : p_(other.p_) { other.p_ = nullptr; }
expr& expr::operator=(const expr& other) noexcept {
    if (other.p_) retain(other.p_);
    if (p_) release(p_);
    p_ = other.p_;
    return *this;
}
expr& expr::operator=(expr&& other) noexcept {
    if (this != &other) {
        if (p_) release(p_);
        p_ = other.p_;
        other.p_ = nullptr;
    }
    return *this;
}
expr::~expr() {
    if (p_) release(p_);
}

expr expr::adopt(const detail::node* n) noexcept { return expr(n, adopt_tag{}); }
expr expr::share(const detail::node* n) noexcept {
    retain(n);
    return adopt(n);
}

nabla::kind expr::kind() const noexcept { return p_->kind; }
std::size_t expr::size() const noexcept { return p_->nops; }
expr expr::operator[](std::size_t i) const {
    if (i >= p_->nops) throw error("operand index out of range");
    return share(p_->op(i));
}
std::uint32_t expr::hash() const noexcept { return p_->hash; }
bool expr::is_number() const noexcept { return p_->is_number(); }
bool expr::is_integer() const noexcept { return p_->is_exact_integer(); }
bool expr::is_zero() const noexcept { return p_->kind == kind::number && p_->number() == 0; }
bool expr::is_one() const noexcept { return p_->kind == kind::number && p_->number() == 1; }
bool expr::is_negative_number() const noexcept {
    const node* n = p_;
    if (n->kind == kind::product && n->nops > 0 && n->op(0)->is_number()) n = n->op(0);
    if (n->kind == kind::number) return n->number() < 0;
    if (n->kind == kind::real) return n->real() < 0;
    return false;
}
const std::string& expr::name() const noexcept {
    static const std::string empty;
    return (p_->kind == kind::symbol || p_->kind == kind::call) ? p_->name() : empty;
}
nabla::function expr::function() const noexcept { return p_->fn(); }
nabla::constant expr::constant() const noexcept { return p_->constant_id(); }
const std::vector<std::uint8_t>& expr::derivative_indices() const noexcept {
    static const std::vector<std::uint8_t> none;
    return p_->kind == kind::call ? p_->call().derivative_indices : none;
}
std::string expr::number_text() const { return detail::number_text(p_); }
double expr::number_value() const {
    if (p_->kind == kind::real) return p_->real();
    if (p_->kind == kind::number) return p_->number().convert_to<double>();
    throw error("not a number");
}
std::optional<long long> expr::integer_value() const {
    if (!p_->is_exact_integer()) return std::nullopt;
    const integer_t& v = numerator(p_->number());
    if (v < std::numeric_limits<long long>::min() || v > std::numeric_limits<long long>::max()) return std::nullopt;
    return static_cast<long long>(v);
}
bool operator<(const expr& a, const expr& b) noexcept { return detail::compare(a.get(), b.get()) < 0; }

// ---------------------------------------------------------------- atoms

std::string detail::normalize_name(std::string_view name) {
    std::string out;
    out.reserve(name.size());
    for (std::size_t i = 0; i < name.size(); ++i) {
        // U+2080..U+2089 are E2 82 80..89 in UTF-8.
        if (i + 2 < name.size() && static_cast<unsigned char>(name[i]) == 0xE2 &&
            static_cast<unsigned char>(name[i + 1]) == 0x82) {
            unsigned char c = static_cast<unsigned char>(name[i + 2]);
            if (c >= 0x80 && c <= 0x89) {
                out.push_back(static_cast<char>('0' + (c - 0x80)));
                i += 2;
                continue;
            }
        }
        out.push_back(name[i]);
    }
    // Until none is left, so that a normalized name normalizes to itself:
    // w4_4_29 → w4_429 → w4429.
    for (auto us = out.rfind('_'); us != std::string::npos && us > 0 && us + 1 < out.size() &&
                                    out.find_first_not_of("0123456789", us + 1) == std::string::npos;
         us = out.rfind('_'))
        out.erase(us, 1);
    return out;
}

expr symbol(std::string_view name) {
    if (name.empty()) throw error("a symbol needs a name");
    // Most names have nothing to normalize (no subscript digit, no
    // underscore): look them up as they are, with no string built.
    if (name.find('_') == std::string_view::npos && name.find('\xE2') == std::string_view::npos)
        return make_symbol(name);
    return make_symbol(normalize_name(name));
}

expr integer(std::string_view decimal) {
    std::string_view digits = decimal;
    if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) digits.remove_prefix(1);
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos)
        throw error("not an integer: '" + std::string(decimal) + "'");
    return make_number(rational_t(integer_t(std::string(decimal[0] == '+' ? decimal.substr(1) : decimal))));
}

expr rational(long long p, long long q) {
    if (q == 0) throw domain_error("division by zero", std::to_string(p) + "/0");
    return make_number(rational_t(integer_t(p), integer_t(q)));
}

expr rational(std::string_view text) {
    auto slash = text.find('/');
    if (slash == std::string_view::npos) return integer(text);
    expr p = integer(text.substr(0, slash)), q = integer(text.substr(slash + 1));
    if (q.is_zero()) throw domain_error("division by zero", std::string(text));
    return make_number(rational_t(numerator(p.get()->number()), numerator(q.get()->number())));
}

expr real(double value) { return make_real(value); }

expr pi() {
    static const expr* v = new expr(make_constant(constant::pi));
    return *v;
}
expr e() {
    static const expr* v = new expr(make_constant(constant::e));
    return *v;
}

}  // namespace nabla
