"""Fill the Russian catalogue from the table below (run after `pybabel update`).

Usage: .venv/bin/python tools/translate_ru.py  — reports any message still without a translation.
"""
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

PO = Path(__file__).resolve().parent.parent / "app/translations/ru/LC_MESSAGES/messages.po"

RU = {
    "E-mail": "Эл. почта", "Password": "Пароль", "Remember me": "Запомнить меня", "Token name": "Название токена",
    "e.g. 'office speaker' or '1C sync'": "например, «колонка в офисе» или «синхронизация с 1С»",
    "Name": "Имя", "Role": "Роль", "Company INN (client contacts only)": "ИНН компании (только для контактов клиента)",
    "Language": "Язык", "Invalid e-mail address: %(e)s": "Неверный адрес эл. почты: %(e)s",
    "Unknown role %(r)s: expected one of %(all)s.": "Неизвестная роль %(r)s: допустимы %(all)s.",
    "A client contact must belong to a client company.": "Контакт клиента должен принадлежать компании-клиенту.",
    "Only client contacts belong to a company.": "К компании привязываются только контакты клиента.",
    "The password must have at least %(n)d characters.": "Пароль должен содержать не менее %(n)d символов.",
    "A user with the e-mail %(e)s already exists.": "Пользователь с адресом %(e)s уже есть.",
    "Wrong e-mail or password, or the account is disabled.": "Неверный адрес или пароль, либо учётная запись отключена.",
    "You have logged out.": "Вы вышли из системы.", "The token is revoked.": "Токен отозван.",
    "No client with this INN.": "Нет клиента с таким ИНН.", "User %(e)s created.": "Пользователь %(e)s создан.",
    "You cannot disable yourself.": "Нельзя отключить самого себя.", "Log in": "Войти",
    "Log in to Hourdesk": "Вход в Hourdesk", "API tokens": "API-токены",
    "Tokens let scripts, the office speaker and integrations act as you through the API.":
        "Токены позволяют скриптам, офисной колонке и интеграциям работать через API от вашего имени.",
    "Copy the token now: it is shown only once.": "Скопируйте токен сейчас: он показывается только один раз.",
    "Create token": "Создать токен", "Starts with": "Начинается с", "Created": "Создана", "State": "Состояние",
    "revoked": "отозван", "active": "активен", "Revoke": "Отозвать", "No tokens yet.": "Токенов пока нет.",
    "Users": "Пользователи", "Company": "Компания", "Last login": "Последний вход", "Disable": "Отключить",
    "Enable": "Включить", "New user": "Новый пользователь", "Create": "Создать", "Company name": "Название компании",
    "INN / EDRPOU": "ИНН / ЕДРПОУ",
    "Russian INN: 10 or 12 digits; Ukrainian EDRPOU: 8 digits.": "ИНН России: 10 или 12 цифр; ЕДРПОУ Украины: 8 цифр.",
    "Country": "Страна", "by the number": "по номеру", "Time zone": "Часовой пояс", "Phone": "Телефон",
    "Account manager": "Менеджер клиента", "Notes": "Заметки", "Active": "Активен", "Initial password": "Начальный пароль",
    "Enter the tax id (INN).": "Укажите ИНН.",
    "Unknown country %(c)s: expected RU or UA.": "Неизвестная страна %(c)s: допустимы RU или UA.",
    "A Russian INN has 10 or 12 digits with valid check digits.": "ИНН России: 10 или 12 цифр с верными контрольными цифрами.",
    "A Ukrainian EDRPOU has 8 digits with a valid check digit.": "ЕДРПОУ Украины: 8 цифр с верной контрольной цифрой.",
    "Invalid tax id %(raw)s: %(detail)s.": "Неверный ИНН %(raw)s: %(detail)s.",
    "wrong number of digits": "неверное число цифр", "only digits are allowed": "допустимы только цифры",
    "the check digits do not match": "не сходятся контрольные цифры", "not a valid number": "недопустимый номер",
    "Enter the company name.": "Укажите название компании.",
    "The name is longer than %(n)d characters.": "Название длиннее %(n)d символов.",
    "Unknown time zone %(tz)s.": "Неизвестный часовой пояс %(tz)s.",
    "The tax id %(inn)s already belongs to %(name)s.": "ИНН %(inn)s уже принадлежит клиенту %(name)s.",
    "Client %(n)s registered.": "Клиент %(n)s зарегистрирован.", "Saved.": "Сохранено.", "Contact added.": "Контакт добавлен.",
    "INN": "ИНН", "No client matches “%(q)s”.": "Нет клиентов по запросу «%(q)s».",
    "Register a new client": "Зарегистрировать нового клиента", "inactive": "неактивен", "Edit": "Изменить",
    "New ticket": "Новая заявка", "Recent tickets": "Последние заявки", "all": "все", "No tickets yet.": "Заявок пока нет.",
    "Contacts": "Контакты", "No contacts yet.": "Контактов пока нет.",
    "Add a contact (portal login)": "Добавить контакт (вход на портал)", "Add contact": "Добавить контакт",
    "New client": "Новый клиент", "Edit %(n)s": "Изменение: %(n)s", "Save": "Сохранить", "Cancel": "Отмена",
    "Clients": "Клиенты", "Name or INN": "Название или ИНН", "No clients found.": "Клиенты не найдены.",
    "%(n)d clients": "Клиентов: %(n)d", "Please log in to continue.": "Войдите, чтобы продолжить.",
    "My tickets": "Мои заявки", "Subject": "Тема", "Status": "Статус", "Pages": "Страницы", "Menu": "Меню",
    "Dashboard": "Главная", "Tickets": "Заявки", "Log out": "Выйти", "Close": "Закрыть",
    "You have no access to this page.": "У вас нет доступа к этой странице.",
    "Nothing here: the page or the object does not exist.": "Здесь ничего нет: страница или объект не существует.",
    "Too many attempts. Wait a minute and try again.": "Слишком много попыток. Подождите минуту и попробуйте снова.",
    "The request could not be understood (perhaps the form expired). Go back, reload and try again.":
        "Запрос не распознан (возможно, форма устарела). Вернитесь, обновите страницу и повторите.",
    "Something went wrong on our side.": "Что-то пошло не так на нашей стороне.",
    "Back to the start page": "На главную", "low": "низкий", "normal": "обычный", "high": "высокий",
    "critical": "критический", "phone": "телефон", "e-mail": "эл. почта", "portal": "портал", "chat": "чат",
    "web": "веб", "API": "API", "open": "новая", "in progress": "в работе", "waiting for client": "ждём клиента",
    "resolved": "решена", "closed": "закрыта", "cancelled": "отменена", "Take into work": "Взять в работу",
    "Wait for client": "Ждать клиента", "Resolve": "Решена", "Cancel ticket": "Отменить заявку", "Client": "Клиент",
    "Choose a client.": "Выберите клиента.", "Description": "Описание", "Priority": "Приоритет", "Channel": "Канал",
    "Requester": "Заявитель", "Assignee": "Исполнитель", "Due": "Срок", "Reason": "Причина", "Comment": "Комментарий",
    "registered": "зарегистрирована", "status": "статус", "priority": "приоритет", "assignee": "исполнитель",
    "subject": "тема", "description": "описание", "due": "срок", "acknowledged": "принята",
    "first response": "первый ответ", "Enter a subject.": "Укажите тему.",
    "The subject is longer than %(n)d characters.": "Тема длиннее %(n)d символов.",
    "The text is longer than %(n)d characters.": "Текст длиннее %(n)d символов.",
    "Unknown %(f)s %(v)s: expected one of %(all)s.": "Неизвестное значение %(f)s %(v)s: допустимы %(all)s.",
    "Tickets can be assigned to active staff only.": "Назначить заявку можно только активному сотруднику.",
    "A due time needs a time zone.": "Для срока нужен часовой пояс.",
    "Choose an active client.": "Выберите активного клиента.",
    "Contacts register tickets for their own company only.": "Контакты регистрируют заявки только своей компании.",
    "The requester is not a contact of this client.": "Заявитель не является контактом этого клиента.",
    "The desired due date is in the past.": "Желаемый срок уже прошёл.",
    "A ticket in status %(a)s cannot move to %(b)s.": "Заявку в статусе %(a)s нельзя перевести в %(b)s.",
    "Say why the ticket is reopened.": "Укажите, почему заявка открыта заново.",
    "The comment is empty.": "Комментарий пуст.",
    "Contacts comment on their own company's tickets only.": "Контакты комментируют только заявки своей компании.",
    "— nobody —": "— никто —", "Ticket %(n)s registered.": "Заявка %(n)s зарегистрирована.",
    "Nothing changed.": "Ничего не изменилось.", "Status: %(s)s.": "Статус: %(s)s.",
    "No tickets match.": "Подходящих заявок нет.", "%(n)d tickets": "Заявок: %(n)d", "client card": "карточка клиента",
    "Hello, %(n)s": "Здравствуйте, %(n)s", "Not acknowledged yet": "Ещё не приняты", "Overdue": "Просрочены",
    "Nothing here.": "Пусто.", "overdue": "просрочена", "by": "—", "Take it": "Беру",
    "Reopen": "Открыть заново", "Why is it reopened?": "Почему заявка открыта заново?", "Conversation": "Переписка",
    "system": "система", "internal": "внутренний", "No comments yet.": "Комментариев пока нет.",
    "Markdown is supported": "Поддерживается Markdown", "Reply to client": "Ответить клиенту",
    "Add internal note": "Внутренняя заметка", "Acknowledged": "Принята", "First response": "Первый ответ",
    "Resolved": "Решена", "Closed": "Закрыта", "Client wants it by": "Клиент просит к", "History": "История",
    "Clear": "Сбросить", "Search": "Поиск", "Subject or number": "Тема или номер", "any": "любой",
    "active (open, in progress, waiting)": "активные (новые, в работе, ждём клиента)", "anyone": "любой",
    "me": "я", "nobody": "никто", "Sort": "Сортировка", "newest first": "сначала новые",
    "oldest first": "сначала старые", "recently updated": "недавно изменённые", "most urgent": "самые срочные",
    "due soonest": "ближайший срок", "Filter": "Показать", "Type a name or INN…": "Начните вводить название или ИНН…",
    "Register ticket": "Зарегистрировать заявку", "closed_at": "закрыта", "cancelled_at": "отменена",
}


def main() -> int:
    with PO.open("rb") as f:
        catalog = read_po(f, locale="ru")
    missing = []
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        if key in RU:
            message.string = RU[key]
            message.flags.discard("fuzzy")
        elif not message.string:
            missing.append(key)
    with PO.open("wb") as f:
        write_po(f, catalog, width=100)
    for key in missing:
        print("untranslated:", key)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
