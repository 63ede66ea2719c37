// ReplyReader: hiredis's RESP2 stream parser (Debian 12: hiredis 0.14.1) building redis::Reply.
//
// hiredis calls the create functions depth first; each object it creates is either the root
// (task->parent == nullptr), which we allocate, or element task->idx of its parent array, whose
// elements were sized when the array was created, so the pointer we hand back stays valid.
// hiredis frees only the root (freeObject), after an error or when the reader is freed with a
// reply half built; a reply handed out by redisReaderGetReply is ours.
#include "reply_reader.hpp"

#include <hiredis/hiredis.h>  // HIREDIS_MAJOR
#include <hiredis/read.h>

#include <algorithm>
#include <new>
#include <utility>

namespace streampulse::redis {

std::string_view Reply::error_kind() const {
  if (type != Type::error) return {};
  std::string_view s = str;
  const auto space = s.find(' ');
  return space == std::string_view::npos ? s : s.substr(0, space);
}

namespace detail {
namespace {

// Where the object for `task` goes: a new root, or its slot in the parent array.
Reply* place(const redisReadTask* task) {
  if (task->parent == nullptr) return new (std::nothrow) Reply;
  auto* parent = static_cast<Reply*>(task->parent->obj);
  if (parent == nullptr || task->idx < 0) return nullptr;
  // Elements come in order: the array grows as they arrive, never to the size it declares
  // (a peer may declare billions). Growing moves only completed siblings: hiredis holds
  // pointers to the arrays still being filled, and those are this array and its ancestors.
  const auto i = static_cast<std::size_t>(task->idx);
  if (i >= parent->elements.size()) parent->elements.resize(i + 1);
  return &parent->elements[i];
}

void* create_string(const redisReadTask* task, char* data, size_t len) {
  try {
    Reply* r = place(task);
    if (r == nullptr) return nullptr;
    switch (task->type) {
      case REDIS_REPLY_ERROR:
        r->type = Reply::Type::error;
        break;
      case REDIS_REPLY_STATUS:
        r->type = Reply::Type::status;
        break;
      default:
        r->type = Reply::Type::string;
        break;
    }
    r->str.assign(data, len);
    return r;
  } catch (...) {
    return nullptr;  // hiredis reports out of memory
  }
}

#if HIREDIS_MAJOR >= 1
void* create_array(const redisReadTask* task, size_t elements) {
#else
void* create_array(const redisReadTask* task, int elements) {
#endif
  try {
    Reply* r = place(task);
    if (r == nullptr) return nullptr;
    r->type = Reply::Type::array;
    // What arrives is kept, not what is declared (see place()): at most a few thousand ahead.
    r->elements.reserve(std::min<std::size_t>(static_cast<std::size_t>(elements), 4096));
    return r;
  } catch (...) {
    return nullptr;
  }
}

void* create_integer(const redisReadTask* task, long long value) {
  Reply* r = place(task);
  if (r == nullptr) return nullptr;
  r->type = Reply::Type::integer;
  r->integer = value;
  return r;
}

void* create_nil(const redisReadTask* task) {
  Reply* r = place(task);
  if (r == nullptr) return nullptr;
  r->type = Reply::Type::nil;
  return r;
}

void free_object(void* obj) { delete static_cast<Reply*>(obj); }

redisReplyObjectFunctions functions = [] {
  redisReplyObjectFunctions f{};
  f.createString = create_string;
  f.createArray = create_array;
  f.createInteger = create_integer;
  f.createNil = create_nil;
  f.freeObject = free_object;
  return f;
}();

}  // namespace

ReplyReader::ReplyReader() : reader_(redisReaderCreateWithFunctions(&functions)) {
  if (reader_ == nullptr) {
    failed_ = true;
    error_ = "out of memory";
  }
}

ReplyReader::~ReplyReader() {
  if (reader_ != nullptr) redisReaderFree(reader_);
}

void ReplyReader::fail() {
  failed_ = true;
  error_ = reader_ != nullptr ? reader_->errstr : "out of memory";
  if (error_.empty()) error_ = "protocol error";
}

bool ReplyReader::feed(std::string_view bytes) {
  if (failed_) return false;
  if (bytes.empty()) return true;
  if (redisReaderFeed(reader_, bytes.data(), bytes.size()) != REDIS_OK) fail();
  return !failed_;
}

ReplyReader::Next ReplyReader::next(Reply& out) {
  if (failed_) return Next::protocol_error;
  void* obj = nullptr;
  if (redisReaderGetReply(reader_, &obj) != REDIS_OK) {
    fail();
    return Next::protocol_error;
  }
  if (obj == nullptr) return Next::need_more;
  std::unique_ptr<Reply> reply(static_cast<Reply*>(obj));
  out = std::move(*reply);
  return Next::reply;
}

}  // namespace detail
}  // namespace streampulse::redis
